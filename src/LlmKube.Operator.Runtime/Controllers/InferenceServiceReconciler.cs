using k8s;
using k8s.Models;
using LlmKube.Api;
using LlmKube.Api.Models;
using LlmKube.Api.Services;
using LlmKube.Api.Validation;
using LlmKube.ControllerRuntime;
using LlmKube.Core.Builders;
using LlmKube.Operator.Configuration;
using Microsoft.Extensions.Logging;

namespace LlmKube.Operator.Controllers;

/// <summary>
/// Drives an InferenceService (src/LlmKube.Operator/README.md, "What it does"): resolves its Model, decides where the model lives,
/// checks or creates the cache claim (never writing a user's claim), applies the Deployment and Service,
/// and reports phase, conditions and the cache wiring. Reads only from informer caches; writes only differences.
/// </summary>
public sealed partial class InferenceServiceReconciler(
    IKubernetes client,
    ChildWriter children,
    IResourceClient<InferenceService> services,
    OperatorCaches caches,
    IEventRecorder events,
    OperatorOptions options,
    TimeProvider time,
    ILogger<InferenceServiceReconciler> logger) : IReconciler
{
    /// <summary>How long a new service waits for its Model to appear before it is reported Failed.</summary>
    public static readonly TimeSpan ModelGracePeriod = TimeSpan.FromSeconds(10);

    private readonly ChildOwnership _ownership = new(client, caches);
    private readonly WorkloadSettings _workload = options.Workload();

    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var service = caches.InferenceServices.Get(key);
        if (service is null)
        {
            return ReconcileResult.Done; // deleted: owned children are garbage-collected; shared and user claims stay
        }

        var (helper, status) = StatusPatchHelper<InferenceService, InferenceServiceStatus>.Begin(service);
        var now = time.GetUtcNow();
        var conditions = ConditionSetter.For(service, status.Conditions ??= [], now);
        var result = await EvaluateAsync(service, status, conditions, now, cancellationToken).ConfigureAwait(false);
        InferenceServiceStatusRules.Suspension(conditions, service.Spec);
        status.ObservedGeneration = conditions.Generation;
        var plan = helper.Compute(status, written => written.LastUpdated = now.UtcDateTime);
        var patch = await helper.SendAsync(services, plan, cancellationToken).ConfigureAwait(false);
        if (patch.Outcome == PatchOutcome.Patched && service.Status?.Phase != status.Phase && status.Phase is ServicePhases.Ready or ServicePhases.Stopped or ServicePhases.Suspended)
        {
            // Milestones only; failures carry their own Warning event with the reason.
            events.Normal(service, status.Phase, InferenceServiceStatusRules.Milestone(status, service.Status?.Phase));
        }

        return ReconcileResult.Min(result, patch.ToReconcileResult());
    }

    private async Task<ReconcileResult> EvaluateAsync(InferenceService service, InferenceServiceStatus status, ConditionSetter conditions, DateTimeOffset now, CancellationToken ct)
    {
        var ns = service.Metadata.NamespaceProperty;
        status.Endpoint = KubernetesServiceBuilder.EndpointUrl(service);
        var model = caches.Models.Get(new ObjectKey(ns, service.Spec.ModelRef));
        status.ModelReady = model?.Status?.Phase == ModelPhases.Ready;
        if (model is null)
        {
            // A Model applied together with its service may reach our cache a moment later: wait briefly before failing.
            var age = now - (service.Metadata.CreationTimestamp is { } created ? new DateTimeOffset(created, TimeSpan.Zero) : now);
            if (age < ModelGracePeriod)
            {
                InferenceServiceStatusRules.Pending(status, conditions, Reasons.ModelNotFound, $"Waiting for Model {service.Spec.ModelRef} in namespace {ns} (spec.modelRef): not found yet");
                return ReconcileResult.RequeueAfter(ModelGracePeriod - age);
            }

            return Fail(service, status, conditions, Reasons.ModelNotFound,
                $"Model {service.Spec.ModelRef} not found in namespace {ns} (spec.modelRef): create the Model or fix the reference");
        }

        if (model.Status?.Phase == ModelPhases.Failed)
        {
            var why = model.Status.Conditions.Get(ConditionTypes.Degraded)?.Message ?? "see the Model's status";
            return Fail(service, status, conditions, Reasons.ModelFailed, $"Model {model.Metadata.Name} failed: {why}");
        }

        if (model.Status?.Phase != ModelPhases.Ready)
        {
            InferenceServiceStatusRules.Pending(status, conditions, Reasons.Pending, $"Waiting for Model {model.Metadata.Name} to be Ready (phase {model.Status?.Phase ?? "unknown"})");
            return ReconcileResult.Done; // the Model's own change wakes this service
        }

        var state = DesiredState.For(model, service, _workload);
        status.ModelCache = state.Plan.ToStatus();

        ReportAdvisories(service, state);
        if (state.Blocking.FirstOrDefault() is { } blocking)
        {
            var message = string.Join("; ", state.Blocking.Select(i => i.ToString()));
            return Fail(service, status, conditions, blocking.Reason, message);
        }

        var claim = state.Plan.Claim is { } cacheClaim ? caches.Claims.Get(new ObjectKey(ns, cacheClaim.Name)) : null;
        if (state.Plan.Claim is { OperatorProvisions: false } userClaim && claim is null)
        {
            var missing = ClaimHealth.MissingUserClaim(userClaim.Name, ns);
            conditions.MarkFalse(ConditionTypes.ModelCacheReady, Reasons.ClaimNotFound, missing);
            return Fail(service, status, conditions, Reasons.ModelCachePvcNotFound, missing); // the PVC watch wakes this service when the claim appears
        }

        // Every name is checked before anything is created: a taken name leaves nothing half-built behind. An
        // unlabelled foreign object is outside our watches, so its removal is noticed at the next resync.
        var ownership = await _ownership.ReadAsync(service, state, claim, ct).ConfigureAwait(false);
        if (ownership.Conflict is { } conflict)
        {
            return Fail(service, status, conditions, Reasons.ResourceConflict, conflict);
        }

        var cache = await CheckCacheClaimAsync(service, model, state, claim, status, conditions, ct).ConfigureAwait(false);
        if (cache is not null)
        {
            return cache;
        }

        // After the claim is checked (its state is in status) and before any Deployment, so no download starts.
        if (AwaitingModelSize(model, state, now) is { } wait)
        {
            InferenceServiceStatusRules.Pending(status, conditions, Reasons.Pending,
                $"Waiting for Model {model.Metadata.Name}'s first probe to tell its size, to check it fits PersistentVolumeClaim {state.Plan.ClaimName} before any download");
            return ReconcileResult.RequeueAfter(wait); // the Model's status change wakes the service sooner
        }

        return await ApplyChildrenAsync(service, state, ownership.Live, status, conditions, ct).ConfigureAwait(false);
    }

    private async Task<ReconcileResult> ApplyChildrenAsync(InferenceService service, DesiredState state, LiveChildren live, InferenceServiceStatus status, ConditionSetter conditions, CancellationToken ct)
    {
        var ns = service.Metadata.NamespaceProperty;
        var deployment = await children.ApplyDeploymentAsync(state.Deployment!, live.Deployment, ct).ConfigureAwait(false);
        if (deployment.Rejection is { } refused)
        {
            return Rejected(service, status, conditions, "Deployment", state.Deployment!.Metadata.Name, refused);
        }

        var kubernetesService = await children.ApplyKubernetesServiceAsync(state.KubernetesService!, live.KubernetesService, ct).ConfigureAwait(false);
        if (kubernetesService.Rejection is { } refusedService)
        {
            return Rejected(service, status, conditions, "Service", state.KubernetesService!.Metadata.Name, refusedService);
        }

        if (ChildWriter.Wrote(deployment.Outcome) || ChildWriter.Wrote(kubernetesService.Outcome))
        {
            // One line per pass, not per child: a new service writes both, and each line is a write to the log.
            logger.LogInformation("Children of {Namespace}/{Name}: Deployment {DeploymentOutcome}, Service {ServiceOutcome}",
                ns, service.Metadata.Name, deployment.Outcome, kubernetesService.Outcome);
        }

        InferenceServiceStatusRules.FromDeployment(status, conditions, service.Spec, deployment.Live);
        ReportTransfer(service, conditions);
        return deployment.Outcome == ChildOutcome.Conflict || kubernetesService.Outcome == ChildOutcome.Conflict ? ReconcileResult.Requeue : ReconcileResult.Done;
    }

    /// <summary>A permanent refusal of a write (400, 403, 422): the API's message in status and one event; retried only after a change or at resync.</summary>
    private ReconcileResult Rejected(InferenceService service, InferenceServiceStatus status, ConditionSetter conditions, string kind, string name, string refusal)
    {
        logger.LogInformation("API server refused {Kind} {Namespace}/{Name}: {Refusal}", kind, service.Metadata.NamespaceProperty, name, refusal);
        return Fail(service, status, conditions, Reasons.ResourceRejected,
            $"the API server refused {kind} {name} in namespace {service.Metadata.NamespaceProperty} ({refusal}): fix the field it names in this InferenceService, or, when it is Forbidden, grant the operator's service account that permission");
    }

    /// <summary>
    /// A Model is published Ready before its first probe (ModelReconciler): a service about to download onto a cache
    /// claim waits briefly for that probe, so CacheTooSmall is said before the download. A probe that told no size
    /// (status.lastRevalidated set, no size) ends the wait. Bounded by <see cref="ModelGracePeriod"/>.
    /// </summary>
    private static TimeSpan? AwaitingModelSize(Model model, DesiredState state, DateTimeOffset now)
    {
        if (state.Plan.Claim is null || model.Status?.Size is not null || model.Status?.LastRevalidated is not null || ModelReconciler.ProbeUrl(model.Spec) is null)
        {
            return null;
        }

        var readySince = model.Status?.Conditions.Get(ConditionTypes.Available)?.LastTransitionTime is { } since ? new DateTimeOffset(since, TimeSpan.Zero) : now;
        var left = ModelGracePeriod - (now - readySince);
        return left > TimeSpan.Zero ? left : null;
    }

    private void ReportAdvisories(InferenceService service, DesiredState state)
    {
        foreach (var issue in state.Issues.Where(i => !i.StopsServing))
        {
            events.Warning(service, issue.Reason, issue.ToString());
        }

        if (state.Plan.IgnoredClaimReason is { } ignored)
        {
            events.Warning(service, Reasons.ModelCacheClaimIgnored, ignored);
        }
    }

    private void ReportTransfer(InferenceService service, ConditionSetter conditions)
    {
        var pods = caches.Pods.ByIndex(OperatorCaches.PodsByInferenceService, IndexFunctions.NamespacedValue(service.Metadata.NamespaceProperty, service.Metadata.Name));
        if (TransferDiagnosis.FromPods(pods) is not { } diagnosis)
        {
            return;
        }

        conditions.Set(ConditionTypes.ModelTransferHealthy, diagnosis.Status, diagnosis.Reason, diagnosis.Message);
        if (diagnosis.EventReason is { } reason)
        {
            events.Warning(service, reason, diagnosis.Message);
        }
    }

    private ReconcileResult Fail(InferenceService service, InferenceServiceStatus status, ConditionSetter conditions, string reason, string message)
    {
        InferenceServiceStatusRules.Failed(status, conditions, reason, message);
        events.Warning(service, reason, message);
        return ReconcileResult.Done; // permanent until something changes; watches bring the change
    }
}
