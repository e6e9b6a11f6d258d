using LlmKube.Api;
using LlmKube.Api.Cache;
using LlmKube.Api.Models;
using LlmKube.Api.Sources;
using LlmKube.ControllerRuntime;
using LlmKube.Core.Models;
using LlmKube.Operator.Configuration;

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

        var (helper, status) = StatusPatchHelper<Model, ModelStatus>.Begin(model);
        var now = time.GetUtcNow();
        var conditions = ConditionSetter.For(model, status.Conditions ??= [], now);
        var generation = conditions.Generation;
        if (status.ObservedGeneration != generation && status.ObservedGeneration is not null)
        {
            // The spec changed (perhaps the source): the old fingerprint says nothing about the new source.
            status.SourceETag = null;
            status.SourceContentLength = null;
            status.LastRevalidated = null;
            status.Size = null;
        }

        var wasReady = model.Status?.Phase == ModelPhases.Ready && model.Status.ObservedGeneration == generation;
        var result = Classify(model, status, conditions);
        if (status.Phase == ModelPhases.Ready && ProbeUrl(model.Spec) is { } url)
        {
            result = wasReady
                ? await RevalidateAsync(model, status, conditions, url, now, cancellationToken).ConfigureAwait(false)
                : ReconcileResult.RequeueAfter(TimeSpan.FromMilliseconds(200)); // publish Ready first; probe right after
        }

        status.ObservedGeneration = generation;
        var plan = helper.Compute(status, written => written.LastUpdated = now.UtcDateTime);
        var patch = await helper.SendAsync(models, plan, cancellationToken).ConfigureAwait(false);
        return ReconcileResult.Min(result, patch.ToReconcileResult());
    }

    private ReconcileResult Classify(Model model, ModelStatus status, ConditionSetter conditions)
    {
        var ns = model.Metadata.NamespaceProperty;
        var verdict = ModelClassification.Classify(model, options.AllowedHostPathRoots, claim => caches.Claims.Get(new ObjectKey(ns, claim)));
        foreach (var issue in verdict.Advisories)
        {
            events.Warning(model, issue.Reason, issue.ToString());
        }

        if (verdict.CacheKey is { } key)
        {
            status.CacheKey = key.Length > 0 ? key : null;
        }

        status.Phase = verdict.Phase;
        switch (verdict.Phase)
        {
            case ModelPhases.Ready:
                status.Path = verdict.Path;
                conditions.MarkReady(verdict.Reason, verdict.Message);
                break;
            case ModelPhases.Failed:
                conditions.MarkFailed(verdict.Reason, verdict.Message);
                events.Warning(model, verdict.Reason, verdict.Message);
                break;
            default:
                conditions.MarkWaiting(verdict.Reason, verdict.Message);
                break;
        }

        // Failures are permanent until the Model (or its claim) changes; a pvc:// claim binding wakes the Model.
        return ReconcileResult.Done;
    }

    private async Task<ReconcileResult> RevalidateAsync(Model model, ModelStatus status, ConditionSetter conditions, string url, DateTimeOffset now, CancellationToken ct)
    {
        if (!ModelRevalidation.IsDue(status, now, options.RevalidateInterval))
        {
            return ReconcileResult.RequeueAfter(ModelRevalidation.NextCheckIn(status, now, options.RevalidateInterval));
        }

        var probed = await probe.ProbeAsync(url, ct).ConfigureAwait(false);
        var outcome = ModelRevalidation.Apply(status, conditions, probed, RefreshPolicyView.Of(model.Spec));
        if (outcome == DriftOutcome.Drifted)
        {
            events.Warning(model, Reasons.UpstreamChanged, conditions.List.Get(ConditionTypes.SourceDrifted)!.Message);
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
}
