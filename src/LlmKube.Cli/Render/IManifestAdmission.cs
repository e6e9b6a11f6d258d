using System.Text.Json.Nodes;

namespace LlmKube.Cli.Render;

/// <summary>The admitted object (defaults applied, unknown fields pruned) or the errors, each naming the field.</summary>
internal sealed record AdmissionOutcome(JsonObject Object, IReadOnlyList<string> Errors);

/// <summary>Admits a custom resource as the API server would with our CRDs.</summary>
internal interface IManifestAdmission
{
    AdmissionOutcome Admit(string kind, JsonObject obj);
}
