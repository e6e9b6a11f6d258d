using System.Text.Json.Nodes;
using LlmKube.Admission;
using LlmKube.Api.Schema;
using LlmKube.ControllerRuntime;

namespace LlmKube.Cli.Render;

/// <summary>Admission against our own CRDs (config/crd/ is generated from the same definitions), as the API server applies it.</summary>
internal static class OurCrds
{
    public static CustomResourceAdmission Admission() =>
        new(CrdDefinitions.All().Select(crd => (JsonObject)KubernetesJsonNodes.ToNode(crd)!));
}
