using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using LlmKube.Api;
using LlmKube.Api.Services;
using LlmKube.ControllerRuntime;
using LlmKube.Core.Builders;

namespace LlmKube.Operator.Controllers;

public sealed partial class InferenceServiceReconciler
{
    /// <summary>
    /// Checks the claim the plan names, creating it only when it is one the operator provisions. A user's
    /// claim is read and never written; when it is missing the service stops here (no fallback, no Deployment
    /// change). Returns a result when the reconcile must stop, null to go on.
    /// </summary>
    private async Task<ReconcileResult?> CheckCacheClaimAsync(InferenceService service, DesiredState state, InferenceServiceStatus status, ConditionSetter conditions, CancellationToken ct)
    {
        var plan = state.Plan;
        var ns = service.Metadata.NamespaceProperty;
        var claim = plan.Claim is { } cacheClaim ? caches.Claims.Get(new ObjectKey(ns, cacheClaim.Name)) : null;
        if (plan.Claim is { OperatorProvisions: false } userClaim && claim is null)
        {
            var missing = ClaimHealth.MissingUserClaim(userClaim.Name, ns);
            conditions.MarkFalse(ConditionTypes.ModelCacheReady, Reasons.ClaimNotFound, missing);
            events.Warning(service, Reasons.ModelCachePvcNotFound, missing);
            InferenceServiceStatusRules.Failed(status, conditions, Reasons.ModelCachePvcNotFound, missing);
            return ReconcileResult.Done; // the PVC watch wakes this service when the claim appears
        }

        if (claim is null && state.Claim is { } wanted)
        {
            var created = await CreateClaimAsync(wanted, ct).ConfigureAwait(false);
            if (created)
            {
                events.Normal(service, Reasons.ModelCacheClaimCreated, $"created PersistentVolumeClaim {wanted.Metadata.Name} ({plan.ToStatus().Volume} model cache)");
            }
        }

        var volumeName = claim?.Spec?.VolumeName;
        var volume = string.IsNullOrEmpty(volumeName) ? null : caches.Volumes.Get(new ObjectKey("", volumeName));
        var health = ClaimHealth.Evaluate(plan, ns, claim, volume, service.Spec.NodeSelector);
        conditions.Set(ConditionTypes.ModelCacheReady, health.Status, health.Reason, health.Message);
        if (health.Reason == Reasons.ModelCacheNodeMismatch)
        {
            events.Warning(service, Reasons.ModelCacheNodeMismatch, health.Message);
        }

        return null;
    }

    private async Task<bool> CreateClaimAsync(V1PersistentVolumeClaim claim, CancellationToken ct)
    {
        try
        {
            await client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(claim, claim.Metadata.NamespaceProperty, cancellationToken: ct).ConfigureAwait(false);
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            return false; // another service in the namespace created the shared claim first: use it
        }
    }
}
