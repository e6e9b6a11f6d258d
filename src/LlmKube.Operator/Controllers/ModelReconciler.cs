using LlmKube.Api;
using LlmKube.Api.Cache;
using LlmKube.Api.Models;
using LlmKube.Api.Sources;
using LlmKube.Api.Validation;
using LlmKube.ControllerRuntime;
using LlmKube.Operator.Builders;
using LlmKube.Operator.Configuration;
using Cond = LlmKube.ControllerRuntime.Conditions;

namespace LlmKube.Operator.Controllers;

/// <summary>
/// Classifies a Model's source, records its cache key, checks pvc:// claims, and revalidates remote sources
/// on a cadence. It never downloads: the fetcher in each serving pod does (upstream's design).
/// </summary>
public sealed class ModelReconciler(
    IResourceClient<Model> models,
    OperatorCaches caches,
    ISourceProbe probe,
    IEventRecorder events,
    OperatorOptions options,
    TimeProvider time) : IReconciler
{
    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var model = caches.Models.Get(key);
        if (model is null)
        {
            return ReconcileResult.Done;
        }

        var (helper, copy) = PatchHelper<Model>.Begin(model);
        var status = copy.Status ??= new ModelStatus();
        var now = time.GetUtcNow();
        var generation = model.Metadata.Generation;
        if (status.ObservedGeneration != generation && status.ObservedGeneration is not null)
        {
            // The spec changed (perhaps the source): the old fingerprint says nothing about the new source.
            status.SourceETag = null;
            status.SourceContentLength = null;
            status.LastRevalidated = null;
            status.Size = null;
        }

        var wasReady = model.Status?.Phase == ModelPhases.Ready && model.Status.ObservedGeneration == generation;
        var result = Classify(model, status, generation, now);
        if (status.Phase == ModelPhases.Ready && ProbeUrl(model.Spec) is { } url)
        {
            result = wasReady
                ? await RevalidateAsync(model, status, url, generation, now, cancellationToken).ConfigureAwait(false)
                : ReconcileResult.RequeueAfter(TimeSpan.FromMilliseconds(200)); // publish Ready first; probe right after
        }

        status.ObservedGeneration = generation;
        if (!helper.Compute(copy).IsEmpty)
        {
            status.LastUpdated = now.UtcDateTime;
        }

        var patch = await helper.PatchAsync(models, copy, cancellationToken).ConfigureAwait(false);
        return ReconcileResult.Min(result, patch.ToReconcileResult());
    }

    private ReconcileResult Classify(Model model, ModelStatus status, long? generation, DateTimeOffset now)
    {
        var issues = SpecChecks.CheckModel(model);
        foreach (var issue in issues.Where(i => !i.StopsServing))
        {
            events.Warning(model, issue.Reason, issue.ToString());
        }

        if (issues.FirstOrDefault(i => i.StopsServing) is { } blocking)
        {
            return Failed(model, status, blocking.Reason, string.Join("; ", issues.Where(i => i.StopsServing)), generation, now);
        }

        var source = ModelSource.Parse(model.Spec.Source);
        status.CacheKey = CacheKeys.ForSpec(model.Spec) is { Length: > 0 } key ? key : null;
        switch (source.Kind)
        {
            case SourceKind.Local when !PodStorage.IsAllowedLocalSource(source.Path!, options.AllowedHostPathRoots):
                var roots = options.AllowedHostPathRoots.Count == 0 ? "none are configured" : string.Join(", ", options.AllowedHostPathRoots);
                return Failed(model, status, Reasons.SourceNotAllowed,
                    $"spec.source \"{ModelSource.ForMessages(model.Spec.Source)}\" is a host path outside the operator's --allowed-host-path-roots ({roots}); local sources are disabled unless allowed", generation, now);
            case SourceKind.Pvc:
                return ClassifyPvc(model, status, source, generation, now);
            case SourceKind.HuggingFaceRepo when !CacheKeys.IsMultiFile(model.Spec):
                return Ready(status, Reasons.RuntimeResolved, "a Hugging Face repository: the serving runtime fetches it (set skipModelInit on services)", null, generation, now);
            default:
                return Ready(status, Reasons.WorkloadResolved, "the serving pods' fetcher downloads it into the model cache and verifies it", null, generation, now);
        }
    }

    private ReconcileResult ClassifyPvc(Model model, ModelStatus status, ModelSource source, long? generation, DateTimeOffset now)
    {
        var ns = model.Metadata.NamespaceProperty;
        var claim = caches.Claims.Get(new ObjectKey(ns, source.Container!));
        if (claim is null)
        {
            return Failed(model, status, Reasons.PvcNotFound,
                $"PersistentVolumeClaim {source.Container} named by spec.source was not found in namespace {ns}: create it (with the model at {source.Path}) or fix the source", generation, now);
        }

        if (claim.Status?.Phase != "Bound")
        {
            status.Phase = ModelPhases.Pending;
            var conditions = status.Conditions ??= [];
            var message = $"PersistentVolumeClaim {source.Container} is {claim.Status?.Phase ?? "Pending"}; the Model is Ready once it is Bound";
            Cond.Set(conditions, ConditionTypes.Progressing, Cond.True, Reasons.PvcNotBound, message, generation, now);
            Cond.Set(conditions, ConditionTypes.Available, Cond.False, Reasons.PvcNotBound, message, generation, now);
            Cond.Set(conditions, ConditionTypes.Degraded, Cond.False, Reasons.AsExpected, "no problem found", generation, now);
            return ReconcileResult.Done; // the claim watch wakes the Model when it binds
        }

        return Ready(status, Reasons.PvcModelReady, $"served read-only from PersistentVolumeClaim {source.Container}", $"{ModelCacheDecision.SourceMountPath}/{source.Path}", generation, now);
    }

    private async Task<ReconcileResult> RevalidateAsync(Model model, ModelStatus status, string url, long? generation, DateTimeOffset now, CancellationToken ct)
    {
        if (!ModelRevalidation.IsDue(status, now, options.RevalidateInterval))
        {
            return ReconcileResult.RequeueAfter(ModelRevalidation.NextCheckIn(status, now, options.RevalidateInterval));
        }

        var probed = await probe.ProbeAsync(url, ct).ConfigureAwait(false);
        var outcome = ModelRevalidation.Apply(status, probed, RefreshPolicyView.Of(model.Spec), generation, now);
        status.Size ??= "0";
        if (outcome == DriftOutcome.Drifted)
        {
            events.Warning(model, Reasons.UpstreamChanged, Cond.Find(status.Conditions, ConditionTypes.SourceDrifted)!.Message);
        }

        // Indeterminate keeps the cache and tries again later, without a write.
        return ReconcileResult.RequeueAfter(outcome == DriftOutcome.Indeterminate
            ? TimeSpan.FromTicks(Math.Min(options.RevalidateInterval.Ticks, TimeSpan.FromMinutes(5).Ticks))
            : options.RevalidateInterval);
    }

    /// <summary>The URL a HEAD can probe: http(s) and hub files; s3 needs signing and is not probed.</summary>
    public static string? ProbeUrl(ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (CacheKeys.IsMultiFile(spec))
        {
            return null;
        }

        var source = ModelSource.Parse(spec.Source);
        return source.Kind switch
        {
            SourceKind.Http => spec.Source,
            SourceKind.HuggingFaceFile when spec.Source.StartsWith("hf://", StringComparison.Ordinal) => ModelSource.HubResolveUrl(source.Repository!, source.Revision!, source.Path!),
            SourceKind.HuggingFaceFile => spec.Source,
            _ => null,
        };
    }

    private static ReconcileResult Ready(ModelStatus status, string reason, string message, string? path, long? generation, DateTimeOffset now)
    {
        status.Phase = ModelPhases.Ready;
        status.Path = path;
        var conditions = status.Conditions ??= [];
        Cond.Set(conditions, ConditionTypes.Available, Cond.True, reason, message, generation, now);
        Cond.Set(conditions, ConditionTypes.Progressing, Cond.False, Reasons.Superseded, "Ready", generation, now);
        Cond.Set(conditions, ConditionTypes.Degraded, Cond.False, Reasons.AsExpected, "no problem found", generation, now);
        return ReconcileResult.Done;
    }

    private ReconcileResult Failed(Model model, ModelStatus status, string reason, string message, long? generation, DateTimeOffset now)
    {
        status.Phase = ModelPhases.Failed;
        var conditions = status.Conditions ??= [];
        Cond.Set(conditions, ConditionTypes.Degraded, Cond.True, reason, message, generation, now);
        Cond.Set(conditions, ConditionTypes.Available, Cond.False, reason, message, generation, now);
        Cond.Set(conditions, ConditionTypes.Progressing, Cond.False, reason, message, generation, now);
        events.Warning(model, reason, message);
        return ReconcileResult.Done; // permanent until the Model (or its claim) changes
    }
}
