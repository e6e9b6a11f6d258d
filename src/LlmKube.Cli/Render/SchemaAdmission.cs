using System.Text.Json.Nodes;
using k8s;
using LlmKube.Api.Schema;
using LlmKube.Sandbox.Admission;

namespace LlmKube.Cli.Render;

/// <summary>Admission against our own CRDs (the ones in config/crd/), with the sandbox's admission rules.</summary>
internal sealed class SchemaAdmission : IManifestAdmission
{
    private readonly CustomResourceAdmission _admission = new(
        CrdDefinitions.All().Select(crd => (JsonObject)JsonNode.Parse(KubernetesJson.Serialize(crd))!));

    public AdmissionOutcome Admit(string kind, JsonObject obj)
    {
        var report = _admission.Admit(obj);
        return new AdmissionOutcome(report.Object, report.Errors);
    }
}
