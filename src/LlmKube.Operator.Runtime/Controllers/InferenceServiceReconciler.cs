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
    IResourceClient<InferenceService> services,
    OperatorCaches caches,
    IEventRecorder events,
    OperatorOptions options,
    TimeProvider time,
    ILogger<InferenceServiceReconciler> logger) : IReconciler
{
    /// <summary>How long a new service waits for its Model to appear before it is reported Failed.</summary>
    public static readonly TimeSpan ModelGracePeriod = TimeSpan.FromSeconds(10);

    private readonly ChildWriter _children = new(client);
    private readonly WorkloadSettings _workload = options.Workload();

    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var service = caches.InferenceServices.Get(key);
        if (service is null)
        {
            return ReconcileResult.Done; // deleted: owned children are garbage-collected; shared and user claims stay
        }

        var (helper, copy) = PatchHelper<InferenceService>.Begin(service);
        var status = copy.Status ??= new InferenceServiceStatus();
        var now = time.GetUtcNow();
        var conditions = ConditionSetter.For(service, status.Conditions ??= [], now);
        var result = await EvaluateAsync(service, status, conditions, now, cancellationToken).ConfigureAwait(false);
        InferenceServiceStatusRules.Suspension(conditions, service.Spec);
        status.ObservedGeneration = conditions.Generation;
        if (!helper.Compute(copy).IsEmpty)
        {
            status.LastUpdated = now.UtcDateTime;
        }

        var patch = await helper.PatchAsync(services, copy, cancellationToken).ConfigureAwait(false);
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
        if (AwaitingModelSize(model, state, now) is { } wait)
        {
            InferenceServiceStatusRules.Pending(status, conditions, Reasons.Pending,
                $"Waiting for Model {model.Metadata.Name}'s first probe to tell its size, to check it fits PersistentVolumeClaim {state.Plan.ClaimName} before any download");
            return ReconcileResult.RequeueAfter(wait); // the Model's status change wakes the service sooner
        }

        ReportAdvisories(service, state);
        if (state.Blocking.FirstOrDefault() is { } blocking)
        {
            var message = string.Join("; ", state.Blocking.Select(i => i.ToString()));
            return Fail(service, status, conditions, blocking.Reason, message);
        }

        var cache = await CheckCacheClaimAsync(service, model, state, status, conditions, ct).ConfigureAwait(false);
        if (cache is not null)
        {
            return cache;
        }

        return await ApplyChildrenAsync(service, state, status, conditions, ct).ConfigureAwait(false);
    }

    private async Task<ReconcileResult> ApplyChildrenAsync(InferenceService service, DesiredState state, InferenceServiceStatus status, ConditionSetter conditions, CancellationToken ct)
    {
        var ns = service.Metadata.NamespaceProperty;
        var uid = service.Metadata.Uid;
        var (deploymentOutcome, deployment) = await _children.ApplyDeploymentAsync(
            state.Deployment!, caches.Deployments.Get(new ObjectKey(ns, state.Deployment!.Metadata.Name)), uid, ct).ConfigureAwait(false);
        var (serviceOutcome, _) = await _children.ApplyKubernetesServiceAsync(
            state.KubernetesService!, caches.KubernetesServices.Get(new ObjectKey(ns, state.KubernetesService!.Metadata.Name)), uid, ct).ConfigureAwait(false);
        if (deploymentOutcome == ChildOutcome.NotOwned || serviceOutcome == ChildOutcome.NotOwned)
        {
            var which = deploymentOutcome == ChildOutcome.NotOwned ? $"Deployment {state.Deployment.Metadata.Name}" : $"Service {state.KubernetesService.Metadata.Name}";
            return Fail(service, status, conditions, Reasons.ResourceConflict,
                $"{which} already exists in namespace {ns} and is not controlled by this InferenceService: rename the service or delete that object");
        }

        foreach (var (kind, outcome) in new[] { ("Deployment", deploymentOutcome), ("Service", serviceOutcome) })
        {
            if (outcome is ChildOutcome.Created or ChildOutcome.Updated or ChildOutcome.Recreated)
            {
                logger.LogInformation("{Outcome} {Kind} {Namespace}/{Name}", outcome, kind, ns, service.Metadata.Name);
            }
        }

        InferenceServiceStatusRules.FromDeployment(status, conditions, service.Spec, deployment);
        ReportTransfer(service, conditions);
        return deploymentOutcome == ChildOutcome.Conflict || serviceOutcome == ChildOutcome.Conflict ? ReconcileResult.Requeue : ReconcileResult.Done;
    }

    /// <summary>
    /// A Model is published Ready before its first probe (ModelReconciler): a service about to download onto a cache
    /// claim waits briefly for that probe, so CacheTooSmall is said before the download. Bounded by <see cref="ModelGracePeriod"/>.
    /// </summary>
    private static TimeSpan? AwaitingModelSize(Model model, DesiredState state, DateTimeOffset now)
    {
        if (state.Plan.Claim is null || model.Status?.Size is not null || ModelReconciler.ProbeUrl(model.Spec) is null)
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
