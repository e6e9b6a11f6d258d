using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace LlmKube.Operator.Controllers;

/// <summary>What writing a child did.</summary>
public enum ChildOutcome
{
    Unchanged,
    Created,
    Updated,
    Recreated,

    /// <summary>An object of that name exists and is not controlled by the service: left alone.</summary>
    NotOwned,

    /// <summary>Someone else wrote first (409): requeue.</summary>
    Conflict,
}

/// <summary>
/// Creates or updates a service's Deployment and Service from the builders' desired objects, writing only
/// when the live object differs from what is wanted, and keeping labels and annotations others added.
/// </summary>
public sealed class ChildWriter(IKubernetes client)
{
    public async Task<(ChildOutcome Outcome, V1Deployment? Live)> ApplyDeploymentAsync(V1Deployment desired, V1Deployment? live, string ownerUid, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(desired);
        var ns = desired.Metadata.NamespaceProperty;
        if (live is null)
        {
            return await CreateAsync(() => client.AppsV1.CreateNamespacedDeploymentAsync(desired, ns, cancellationToken: ct)).ConfigureAwait(false);
        }

        if (!ControlledBy(live.Metadata, ownerUid))
        {
            return (ChildOutcome.NotOwned, live);
        }

        if (JsonSubset.ContainsObject(live, desired))
        {
            return (ChildOutcome.Unchanged, live);
        }

        if (!JsonSubset.Contains(live.Spec.Selector, desired.Spec.Selector) || !JsonSubset.Contains(desired.Spec.Selector, live.Spec.Selector))
        {
            // The selector is immutable: replace the Deployment (as upstream does after label changes).
            await client.AppsV1.DeleteNamespacedDeploymentAsync(live.Metadata.Name, ns, propagationPolicy: "Background", cancellationToken: ct).ConfigureAwait(false);
            var (outcome, created) = await CreateAsync(() => client.AppsV1.CreateNamespacedDeploymentAsync(desired, ns, cancellationToken: ct)).ConfigureAwait(false);
            return (outcome == ChildOutcome.Created ? ChildOutcome.Recreated : outcome, created);
        }

        var update = ObjectMerge.KeepForeignMetadata(desired, live);
        update.Spec.Template.Metadata.Labels = ObjectMerge.Union(live.Spec.Template?.Metadata?.Labels, desired.Spec.Template.Metadata.Labels);
        update.Spec.Template.Metadata.Annotations = ObjectMerge.Union(live.Spec.Template?.Metadata?.Annotations, desired.Spec.Template.Metadata.Annotations);
        return await ReplaceAsync(() => client.AppsV1.ReplaceNamespacedDeploymentAsync(update, live.Metadata.Name, ns, cancellationToken: ct)).ConfigureAwait(false);
    }

    public async Task<(ChildOutcome Outcome, V1Service? Live)> ApplyKubernetesServiceAsync(V1Service desired, V1Service? live, string ownerUid, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(desired);
        var ns = desired.Metadata.NamespaceProperty;
        if (live is null)
        {
            return await CreateAsync(() => client.CoreV1.CreateNamespacedServiceAsync(desired, ns, cancellationToken: ct)).ConfigureAwait(false);
        }

        if (!ControlledBy(live.Metadata, ownerUid))
        {
            return (ChildOutcome.NotOwned, live);
        }

        // Keep what the cluster assigned (clusterIP, allocated node ports) so the comparison and the update agree.
        foreach (var port in desired.Spec.Ports)
        {
            port.NodePort ??= live.Spec?.Ports?.FirstOrDefault(p => p.Name == port.Name && p.Port == port.Port)?.NodePort is { } assigned && desired.Spec.Type is "NodePort" or "LoadBalancer" ? assigned : null;
        }

        if (JsonSubset.ContainsObject(live, desired))
        {
            return (ChildOutcome.Unchanged, live);
        }

        var update = ObjectMerge.KeepForeignMetadata(desired, live);
        update.Spec = live.Spec ?? new V1ServiceSpec();
        update.Spec.Type = desired.Spec.Type;
        update.Spec.Ports = desired.Spec.Ports;
        update.Spec.Selector = desired.Spec.Selector;
        return await ReplaceAsync(() => client.CoreV1.ReplaceNamespacedServiceAsync(update, live.Metadata.Name, ns, cancellationToken: ct)).ConfigureAwait(false);
    }

    public static bool ControlledBy(V1ObjectMeta? meta, string ownerUid) =>
        meta?.OwnerReferences?.Any(r => r.Controller == true && r.Uid == ownerUid) == true;

    private static async Task<(ChildOutcome, T?)> CreateAsync<T>(Func<Task<T>> create)
        where T : class
    {
        try
        {
            return (ChildOutcome.Created, await create().ConfigureAwait(false));
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            return (ChildOutcome.Conflict, null); // created meanwhile (or our cache lags): look again
        }
    }

    private static async Task<(ChildOutcome, T?)> ReplaceAsync<T>(Func<Task<T>> replace)
        where T : class
    {
        try
        {
            return (ChildOutcome.Updated, await replace().ConfigureAwait(false));
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            return (ChildOutcome.Conflict, null);
        }
    }
}
