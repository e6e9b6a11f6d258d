using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using LlmKube.Api;
using LlmKube.Api.Models;
using LlmKube.Api.Services;
using LlmKube.ControllerRuntime;

namespace LlmKube.Cli.Cluster;

/// <summary>The reads and writes the commands make, typed; a missing object is null, not an exception.</summary>
internal sealed class KubeApi(IKubernetes client)
{
    public const string FieldManager = "llmkube-cli";

    public Task<Model?> GetModelAsync(string ns, string name, CancellationToken ct) => GetCustomAsync<Model>(ns, Model.Plural, name, ct);

    public Task<InferenceService?> GetInferenceServiceAsync(string ns, string name, CancellationToken ct) => GetCustomAsync<InferenceService>(ns, InferenceService.Plural, name, ct);

    /// <summary>Models in <paramref name="ns"/>, or in every namespace when null, sorted by namespace and name.</summary>
    public async Task<IReadOnlyList<Model>> ListModelsAsync(string? ns, CancellationToken ct)
    {
        var list = await ListCustomAsync<ModelList>(ns, Model.Plural, ct).ConfigureAwait(false);
        return list.Items.OrderBy(m => m.Metadata.NamespaceProperty, StringComparer.Ordinal).ThenBy(m => m.Metadata.Name, StringComparer.Ordinal).ToList();
    }

    public async Task<IReadOnlyList<InferenceService>> ListInferenceServicesAsync(string? ns, CancellationToken ct)
    {
        var list = await ListCustomAsync<InferenceServiceList>(ns, InferenceService.Plural, ct).ConfigureAwait(false);
        return list.Items.OrderBy(s => s.Metadata.NamespaceProperty, StringComparer.Ordinal).ThenBy(s => s.Metadata.Name, StringComparer.Ordinal).ToList();
    }

    public async Task<V1PersistentVolumeClaim?> GetClaimAsync(string ns, string name, CancellationToken ct) =>
        await NotFound.OrNullAsync(() => client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync(name, ns, cancellationToken: ct)).ConfigureAwait(false);

    public async Task<IReadOnlyList<V1PersistentVolumeClaim>> ListClaimsAsync(string? ns, string? labelSelector, CancellationToken ct)
    {
        var list = ns is null
            ? await client.CoreV1.ListPersistentVolumeClaimForAllNamespacesAsync(labelSelector: labelSelector, cancellationToken: ct).ConfigureAwait(false)
            : await client.CoreV1.ListNamespacedPersistentVolumeClaimAsync(ns, labelSelector: labelSelector, cancellationToken: ct).ConfigureAwait(false);
        return list.Items.ToList();
    }

    public async Task<V1ConfigMap?> GetConfigMapAsync(string ns, string name, CancellationToken ct) =>
        await NotFound.OrNullAsync(() => client.CoreV1.ReadNamespacedConfigMapAsync(name, ns, cancellationToken: ct)).ConfigureAwait(false);

    /// <summary>ConfigMaps of every namespace with <paramref name="labelSelector"/>.</summary>
    public async Task<IReadOnlyList<V1ConfigMap>> ListConfigMapsAsync(string labelSelector, CancellationToken ct) =>
        (await client.CoreV1.ListConfigMapForAllNamespacesAsync(labelSelector: labelSelector, cancellationToken: ct).ConfigureAwait(false)).Items.ToList();

    public async Task<IReadOnlyList<V1Pod>> ListPodsAsync(string ns, string? labelSelector, CancellationToken ct) =>
        (await client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: labelSelector, cancellationToken: ct).ConfigureAwait(false)).Items.ToList();

    public async Task<V1Deployment?> GetDeploymentAsync(string ns, string name, CancellationToken ct) =>
        await NotFound.OrNullAsync(() => client.AppsV1.ReadNamespacedDeploymentAsync(name, ns, cancellationToken: ct)).ConfigureAwait(false);

    public Task<Model> CreateModelAsync(Model model, CancellationToken ct) =>
        client.CustomObjects.CreateNamespacedCustomObjectAsync<Model>(model, ApiGroup.Group, ApiGroup.Version, model.Metadata.NamespaceProperty, Model.Plural, fieldManager: FieldManager, cancellationToken: ct);

    public Task<InferenceService> CreateInferenceServiceAsync(InferenceService service, CancellationToken ct) =>
        client.CustomObjects.CreateNamespacedCustomObjectAsync<InferenceService>(service, ApiGroup.Group, ApiGroup.Version, service.Metadata.NamespaceProperty, InferenceService.Plural, fieldManager: FieldManager, cancellationToken: ct);

    /// <summary>Deletes a Model or InferenceService; false when it did not exist.</summary>
    public async Task<bool> DeleteCustomAsync(string ns, string plural, string name, CancellationToken ct)
    {
        var deleted = await NotFound.OrNullAsync(async () => await client.CustomObjects.DeleteNamespacedCustomObjectAsync(ApiGroup.Group, ApiGroup.Version, ns, plural, name,
            propagationPolicy: "Background", cancellationToken: ct).ConfigureAwait(false)).ConfigureAwait(false);
        return deleted is not null;
    }

    /// <summary>Sets <c>spec.replicas</c> with a merge patch (the scale subresource's field).</summary>
    public Task<InferenceService> PatchReplicasAsync(string ns, string name, int replicas, CancellationToken ct) =>
        client.CustomObjects.PatchNamespacedCustomObjectAsync<InferenceService>(
            new V1Patch(new System.Text.Json.Nodes.JsonObject { ["spec"] = new System.Text.Json.Nodes.JsonObject { ["replicas"] = replicas } }.ToJsonString(), V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, ns, InferenceService.Plural, name,
            fieldManager: FieldManager, cancellationToken: ct);

    public async Task<IReadOnlyList<Corev1Event>> WarningEventsAsync(string ns, string involvedName, CancellationToken ct)
    {
        var events = await client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: $"involvedObject.name={involvedName}", cancellationToken: ct).ConfigureAwait(false);
        return events.Items.Where(e => e.Type == "Warning").OrderBy(e => e.LastTimestamp ?? e.EventTime ?? e.Metadata.CreationTimestamp).ToList();
    }

    private async Task<T?> GetCustomAsync<T>(string ns, string plural, string name, CancellationToken ct)
        where T : class =>
        await NotFound.OrNullAsync(() => client.CustomObjects.GetNamespacedCustomObjectAsync<T>(ApiGroup.Group, ApiGroup.Version, ns, plural, name, cancellationToken: ct)).ConfigureAwait(false);

    private async Task<T> ListCustomAsync<T>(string? ns, string plural, CancellationToken ct)
    {
        try
        {
            return ns is null
                ? await client.CustomObjects.ListClusterCustomObjectAsync<T>(ApiGroup.Group, ApiGroup.Version, plural, cancellationToken: ct).ConfigureAwait(false)
                : await client.CustomObjects.ListNamespacedCustomObjectAsync<T>(ApiGroup.Group, ApiGroup.Version, ns, plural, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            throw new CliException(ExitCodes.Cluster,
                $"the cluster does not serve {plural}.{ApiGroup.Group}: install llmkube's CRDs (kubectl apply -f config/crd/, or the Helm chart)");
        }
    }
}
