using k8s;
using k8s.Models;
using LlmKube.Api;
using LlmKube.Api.Services;
using LlmKube.ControllerRuntime;
using LlmKube.Core.Builders;

namespace LlmKube.Operator.Controllers;

public sealed partial class InferenceServiceReconciler
{
    /// <summary>
    /// Creates the claim the plan names when it is one the operator provisions and it does not exist yet (a user's
    /// claim is read and never written), then reports its health. Returns a result when the reconcile must stop,
    /// null to go on.
    /// </summary>
    private async Task<ReconcileResult?> CheckCacheClaimAsync(InferenceService service, DesiredState state, V1PersistentVolumeClaim? claim, InferenceServiceStatus status, ConditionSetter conditions, CancellationToken ct)
    {
        var plan = state.Plan;
        var ns = service.Metadata.NamespaceProperty;
        if (claim is null && state.Claim is { } wanted)
        {
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
        conditions.Set(ConditionTypes.ModelCacheReady, health.Status, health.Reason, health.Message);
        if (health.Reason == Reasons.ModelCacheNodeMismatch)
        {
            events.Warning(service, Reasons.ModelCacheNodeMismatch, health.Message);
        }

        return null;
    }
}
