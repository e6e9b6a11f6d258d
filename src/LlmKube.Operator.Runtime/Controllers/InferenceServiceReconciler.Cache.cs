using System.Net;
using k8s.Autorest;
using k8s;
using k8s.Models;
using LlmKube.Api;
using LlmKube.Api.Models;
using LlmKube.Api.Services;
using LlmKube.ControllerRuntime;
using LlmKube.Core.Builders;
using LlmKube.Core.Cache;

namespace LlmKube.Operator.Controllers;

public sealed partial class InferenceServiceReconciler
{
    /// <summary>
    /// Creates the claim the plan names when it is one the operator provisions and it does not exist yet (a user's
    /// claim is read and never written), then reports its health. Returns a result when the reconcile must stop,
    /// null to go on.
    /// </summary>
    private async Task<ReconcileResult?> CheckCacheClaimAsync(InferenceService service, Model model, DesiredState state, V1PersistentVolumeClaim? claim, InferenceServiceStatus status, ConditionSetter conditions, CancellationToken ct)
    {
        var plan = state.Plan;
        var ns = service.Metadata.NamespaceProperty;
        if (claim is null && state.Claim is { } wanted)
        {
            // Not recorded as an own write (ChildWriter's OwnWrites): a claim's events wake every service that uses it.
            var created = await ChildWriter.WriteAsync(ChildOutcome.Created,
                () => client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(wanted, ns, cancellationToken: ct)).ConfigureAwait(false);
            if (created.Rejection is { } refused)
            {
                return Rejected(service, status, conditions, "PersistentVolumeClaim", wanted.Metadata.Name, refused);
            }

            if (created.Outcome == ChildOutcome.Created)
            {
                events.Normal(service, Reasons.ModelCacheClaimCreated, $"created PersistentVolumeClaim {wanted.Metadata.Name} ({plan.ToStatus().Volume} model cache)");
            }
            else
            {
                return ReconcileResult.Requeue; // created meanwhile (another service sharing it, or a stranger): look at it again
            }
        }

        var volumeName = claim?.Spec?.VolumeName;
        var volume = string.IsNullOrEmpty(volumeName) ? null : caches.Volumes.Get(new ObjectKey("", volumeName));
        var health = ClaimHealth.Evaluate(plan, ns, claim, volume, service.Spec.NodeSelector);
        // A claim created just now is judged by what was asked of it, so a model that cannot fit starts no download.
        var sizing = (claim ?? state.Claim) is { } sized ? await SizeClaimAsync(service, model, plan, sized, ct).ConfigureAwait(false) : null;
        if (sizing?.Verdict is { } verdict && (sizing.StopsServing || health.Status == ConditionStatus.True))
        {
            health = verdict;
        }

        var previous = service.Status?.Conditions.Get(ConditionTypes.ModelCacheReady)?.Reason;
        conditions.Set(ConditionTypes.ModelCacheReady, health.Status, health.Reason, health.Message);
        if (health.Warns)
        {
            events.Warning(service, health.Reason, health.Message);
        }
        else if (previous == Reasons.ClaimResizing && health.Reason == Reasons.ClaimBound)
        {
            events.Normal(service, Reasons.ModelCacheResized, $"PersistentVolumeClaim {plan.ClaimName} finished growing: {health.Message}");
        }

        if (sizing?.StopsServing == true)
        {
            InferenceServiceStatusRules.Failed(status, conditions, health.Reason, health.Message);
            events.Warning(service, health.Reason, health.Message);
            return ReconcileResult.Done; // a larger claim, a larger size or a smaller Model wakes the service
        }

        return null;
    }

    /// <summary>
    /// Grows a provisioned claim to spec.modelCache.size when its class allows it (reading the StorageClass only
    /// then) and says what the claim's size and class mean for the service.
    /// </summary>
    private async Task<ClaimSizing> SizeClaimAsync(InferenceService service, Model model, CachePlan plan, V1PersistentVolumeClaim claim, CancellationToken ct)
    {
        var storageClass = ClaimSizing.GrowthAsked(plan, claim, service.Metadata.Uid) && claim.Spec?.StorageClassName is { Length: > 0 } className
            ? await ReadStorageClassAsync(className, ct).ConfigureAwait(false)
            : null;
        var sizing = ClaimSizing.Evaluate(plan, claim, storageClass, model.Status?.SourceContentLength, service.Metadata.Uid);
        if (sizing.ExpandTo is not { } size)
        {
            return sizing;
        }

        try
        {
            var body = new { spec = new { resources = new { requests = new Dictionary<string, string> { ["storage"] = size } } } };
            var patch = new V1Patch(KubernetesJson.Serialize(body), V1Patch.PatchType.MergePatch);
            await client.CoreV1.PatchNamespacedPersistentVolumeClaimAsync(patch, claim.Metadata.Name, claim.Metadata.NamespaceProperty, cancellationToken: ct).ConfigureAwait(false);
            events.Normal(service, Reasons.ClaimResizing, sizing.Verdict!.Message);
            return sizing;
        }
        catch (Exception e) when (ApiErrors.Permanent(e) is { } why)
        {
            // The API server's verdict (a resize admission plugin, a quota) is permanent until something changes: say it.
            return sizing with
            {
                ExpandTo = null,
                Verdict = new(ConditionStatus.False, Reasons.ClaimResizeRefused, $"expanding PersistentVolumeClaim {claim.Metadata.Name} to {size} (spec.modelCache.size) was refused by the API server: {why}"),
            };
        }
    }

    private async Task<V1StorageClass?> ReadStorageClassAsync(string name, CancellationToken ct)
    {
        try
        {
            return await client.StorageV1.ReadStorageClassAsync(name, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}
