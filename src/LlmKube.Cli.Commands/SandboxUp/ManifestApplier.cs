using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using LlmKube.Api;
using LlmKube.Api.Models;
using LlmKube.Api.Services;
using LlmKube.Cli.Manifests;

namespace LlmKube.Cli.SandboxUp;

/// <summary>
/// Applies manifests with server-side apply (field manager <c>llmkube</c>), like <c>kubectl apply --server-side</c>,
/// for the kinds a newcomer's manifests hold; other kinds are reported and skipped.
/// </summary>
internal sealed class ManifestApplier(IKubernetes client, string defaultNamespace)
{
    private const string FieldManager = "llmkube";

    public async Task<IReadOnlyList<string>> ApplyAsync(IEnumerable<ManifestDocument> documents, CancellationToken ct)
    {
        var problems = new List<string>();
        foreach (var document in documents)
        {
            var ns = document.Namespace ?? defaultNamespace;
            var body = new V1Patch(document.Object.ToJsonString(), V1Patch.PatchType.ApplyPatch);
            try
            {
                await ApplyOneAsync(document, ns, body, ct).ConfigureAwait(false);
            }
            catch (NotSupportedException)
            {
                problems.Add($"{document.ApiVersion} {document.Describe(defaultNamespace)}: kind not applied by sandbox up (apply it with kubectl)");
            }
            catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.UnprocessableEntity or HttpStatusCode.BadRequest or HttpStatusCode.Conflict)
            {
                problems.Add($"{document.Describe(defaultNamespace)} ({document.File}): rejected: {StatusMessage(e)}");
            }
        }

        return problems;
    }

    private async Task ApplyOneAsync(ManifestDocument document, string ns, V1Patch body, CancellationToken ct)
    {
        var name = document.Name;
        switch (document.ApiVersion, document.Kind)
        {
            case (ApiGroup.ApiVersion, Model.KindName):
                await client.CustomObjects.PatchNamespacedCustomObjectAsync(body, ApiGroup.Group, ApiGroup.Version, ns, Model.Plural, name, fieldManager: FieldManager, force: true, cancellationToken: ct).ConfigureAwait(false);
                break;
            case (ApiGroup.ApiVersion, InferenceService.KindName):
                await client.CustomObjects.PatchNamespacedCustomObjectAsync(body, ApiGroup.Group, ApiGroup.Version, ns, InferenceService.Plural, name, fieldManager: FieldManager, force: true, cancellationToken: ct).ConfigureAwait(false);
                break;
            case ("v1", "Namespace"):
                await client.CoreV1.PatchNamespaceAsync(body, name, fieldManager: FieldManager, force: true, cancellationToken: ct).ConfigureAwait(false);
                break;
            case ("v1", "PersistentVolumeClaim"):
                await client.CoreV1.PatchNamespacedPersistentVolumeClaimAsync(body, name, ns, fieldManager: FieldManager, force: true, cancellationToken: ct).ConfigureAwait(false);
                break;
            case ("v1", "Secret"):
                await client.CoreV1.PatchNamespacedSecretAsync(body, name, ns, fieldManager: FieldManager, force: true, cancellationToken: ct).ConfigureAwait(false);
                break;
            case ("v1", "ConfigMap"):
                await client.CoreV1.PatchNamespacedConfigMapAsync(body, name, ns, fieldManager: FieldManager, force: true, cancellationToken: ct).ConfigureAwait(false);
                break;
            case ("v1", "Service"):
                await client.CoreV1.PatchNamespacedServiceAsync(body, name, ns, fieldManager: FieldManager, force: true, cancellationToken: ct).ConfigureAwait(false);
                break;
            default:
                throw new NotSupportedException();
        }
    }

    /// <summary>The API server's message from a Status body, else the HTTP reason.</summary>
    public static string StatusMessage(HttpOperationException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        try
        {
            return JsonNode.Parse(e.Response.Content)?["message"]?.GetValue<string>() ?? e.Message;
        }
        catch (System.Text.Json.JsonException)
        {
            return e.Message;
        }
    }
}
