using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using LlmKube.ControllerRuntime;

namespace LlmKube.Operator.Controllers;

/// <summary>What writing a child did.</summary>
public enum ChildOutcome
{
    Unchanged,
    Created,
    Updated,
    Recreated,

    /// <summary>Someone else wrote first (409): requeue.</summary>
    Conflict,

    /// <summary>The API server refused the write for good (400, 403, 422): <see cref="ChildWrite{T}.Rejection"/> says why.</summary>
    Rejected,
}

/// <summary>
/// The outcome of one write, the object as the server returned it (a written Deployment without its spec; see
/// <see cref="ChildWriter"/>), and the server's message when it refused.
/// </summary>
public sealed record ChildWrite<T>(ChildOutcome Outcome, T? Live, string? Rejection = null)
    where T : class;

/// <summary>
/// Creates or updates a service's Deployment and Service from the builders' desired objects, writing only
/// when the live object differs from what is wanted, and keeping labels and annotations others added.
/// The caller has already established (<see cref="ChildOwnership"/>) that a live object is controlled by the service.
/// Each accepted write is recorded in the controller's <see cref="OwnWrites{T}"/>, so its echo does not wake the service again.
/// </summary>
public sealed class ChildWriter(IKubernetes client, OwnWrites<V1Deployment>? deploymentWrites = null, OwnWrites<V1Service>? kubernetesServiceWrites = null)
{
    public Task<ChildWrite<V1Deployment>> ApplyDeploymentAsync(V1Deployment desired, V1Deployment? live, CancellationToken ct) =>
        TrackedAsync(desired, deploymentWrites, () => ApplyAsync(desired, live, ct));

    public Task<ChildWrite<V1Service>> ApplyKubernetesServiceAsync(V1Service desired, V1Service? live, CancellationToken ct) =>
        TrackedAsync(desired, kubernetesServiceWrites, () => ApplyAsync(desired, live, ct));

    /// <summary>The write inside an <see cref="OwnWrites{T}"/> scope, which is told what an accepted write returned.</summary>
    private static async Task<ChildWrite<T>> TrackedAsync<T>(T desired, OwnWrites<T>? writes, Func<Task<ChildWrite<T>>> apply)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        if (writes is null)
        {
            return await apply().ConfigureAwait(false);
        }

        using var write = writes.Begin(ObjectKey.Of(desired));
        var result = await apply().ConfigureAwait(false);
        if (Wrote(result.Outcome) && result.Live is { } written)
        {
            write.Accepted(written);
        }

        return result;
    }

    private async Task<ChildWrite<V1Deployment>> ApplyAsync(V1Deployment desired, V1Deployment? live, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(desired);
        var ns = desired.Metadata.NamespaceProperty;
        if (live is null)
        {
            return await WriteAsync(ChildOutcome.Created, () => CreateDeploymentAsync(client, desired, ns, ct)).ConfigureAwait(false);
        }

        if (JsonSubset.ContainsObject(live, desired))
        {
            return new(ChildOutcome.Unchanged, live);
        }

        if (!JsonSubset.Contains(live.Spec.Selector, desired.Spec.Selector) || !JsonSubset.Contains(desired.Spec.Selector, live.Spec.Selector))
        {
            // The selector is immutable: replace the Deployment (as upstream does after label changes).
            return await WriteAsync(ChildOutcome.Recreated, async () =>
            {
                await client.AppsV1.DeleteNamespacedDeploymentAsync(live.Metadata.Name, ns, propagationPolicy: "Background", cancellationToken: ct).ConfigureAwait(false);
                return await CreateDeploymentAsync(client, desired, ns, ct).ConfigureAwait(false);
            }).ConfigureAwait(false);
        }

        var update = ObjectMerge.KeepForeignMetadata(desired, live);
        update.Spec.Template.Metadata.Labels = ObjectMerge.Union(live.Spec.Template?.Metadata?.Labels, desired.Spec.Template.Metadata.Labels);
        update.Spec.Template.Metadata.Annotations = ObjectMerge.Union(live.Spec.Template?.Metadata?.Annotations, desired.Spec.Template.Metadata.Annotations);
        return await WriteAsync(ChildOutcome.Updated, () => ReplaceDeploymentAsync(update, live.Metadata.Name, ns, ct)).ConfigureAwait(false);
    }

    /// <summary>
    /// Creates <paramref name="desired"/>; what comes back is its metadata and status, no spec. Deployments go through
    /// the client's generic /apis calls (the same request as AppsV1's: path, verb, body) so that the answer is read into
    /// <see cref="WrittenDeployment"/> and the JSON reader skips the spec, most of the object, which nothing here reads.
    /// Decoding the whole answer was about 5 % of the operator's CPU (bench/operator/README.md, session 10).
    /// </summary>
    public static async Task<V1Deployment> CreateDeploymentAsync(IKubernetes client, V1Deployment desired, string ns, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(client);
        var apps = ResourceKinds.Deployments.Resource;
        return (await client.CustomObjects.CreateNamespacedCustomObjectAsync<WrittenDeployment>(desired, apps.Group, apps.Version, ns, apps.Plural, cancellationToken: ct)
            .ConfigureAwait(false)).ToDeployment();
    }

    /// <summary>Replaces the Deployment <paramref name="name"/>, reading back what <see cref="CreateDeploymentAsync"/> does.</summary>
    private async Task<V1Deployment> ReplaceDeploymentAsync(V1Deployment update, string name, string ns, CancellationToken ct)
    {
        var apps = ResourceKinds.Deployments.Resource;
        return (await client.CustomObjects.ReplaceNamespacedCustomObjectAsync<WrittenDeployment>(update, apps.Group, apps.Version, ns, apps.Plural, name, cancellationToken: ct)
            .ConfigureAwait(false)).ToDeployment();
    }

    private async Task<ChildWrite<V1Service>> ApplyAsync(V1Service desired, V1Service? live, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(desired);
        var ns = desired.Metadata.NamespaceProperty;
        if (live is null)
        {
            return await WriteAsync(ChildOutcome.Created, () => client.CoreV1.CreateNamespacedServiceAsync(desired, ns, cancellationToken: ct)).ConfigureAwait(false);
        }

        // Keep what the cluster assigned (clusterIP, allocated node ports) so the comparison and the update agree.
        foreach (var port in desired.Spec.Ports)
        {
            port.NodePort ??= live.Spec?.Ports?.FirstOrDefault(p => p.Name == port.Name && p.Port == port.Port)?.NodePort is { } assigned && desired.Spec.Type is "NodePort" or "LoadBalancer" ? assigned : null;
        }

        if (JsonSubset.ContainsObject(live, desired))
        {
            return new(ChildOutcome.Unchanged, live);
        }

        var update = ObjectMerge.KeepForeignMetadata(desired, live);
        // A copy: live is the cached object, which readers share (and whose parts other cached Services share).
        update.Spec = live.Spec is null ? new V1ServiceSpec() : KubernetesJsonNodes.DeepCopy(live.Spec);
        update.Spec.Type = desired.Spec.Type;
        update.Spec.Ports = desired.Spec.Ports;
        update.Spec.Selector = desired.Spec.Selector;
        return await WriteAsync(ChildOutcome.Updated, () => client.CoreV1.ReplaceNamespacedServiceAsync(update, live.Metadata.Name, ns, cancellationToken: ct)).ConfigureAwait(false);
    }

    /// <summary>What is read of a written Deployment: its metadata (for <see cref="OwnWrites{T}"/>) and status (for the service's status).</summary>
    private sealed class WrittenDeployment
    {
        public string? ApiVersion { get; set; }

        public string? Kind { get; set; }

        public V1ObjectMeta? Metadata { get; set; }

        public V1DeploymentStatus? Status { get; set; }

        public V1Deployment ToDeployment() => new() { ApiVersion = ApiVersion, Kind = Kind, Metadata = Metadata, Status = Status };
    }

    /// <summary>True when <paramref name="outcome"/> is a write the API server accepted.</summary>
    public static bool Wrote(ChildOutcome outcome) => outcome is ChildOutcome.Created or ChildOutcome.Updated or ChildOutcome.Recreated;

    public static bool ControlledBy(V1ObjectMeta? meta, string ownerUid) =>
        meta?.OwnerReferences?.Any(r => r.Controller == true && r.Uid == ownerUid) == true;

    /// <summary>
    /// Runs one write: a 409 means someone wrote first (or our cache lags), so look again; a permanent refusal is
    /// returned with the server's message for the status, never retried; anything else propagates (transient).
    /// </summary>
    public static async Task<ChildWrite<T>> WriteAsync<T>(ChildOutcome success, Func<Task<T>> write)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(write);
        try
        {
            return new(success, await write().ConfigureAwait(false));
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            return new(ChildOutcome.Conflict, null);
        }
        catch (HttpOperationException e) when (ApiErrors.Permanent(e) is { } refusal)
        {
            return new(ChildOutcome.Rejected, null, refusal);
        }
    }
}
