using LlmKube.Api;
using LlmKube.Api.Cache;
using LlmKube.Api.Models;
using LlmKube.ControllerRuntime;

namespace LlmKube.Operator.Controllers;

/// <summary>What a revalidation found, for events.</summary>
public enum DriftOutcome
{
    Baseline,
    InSync,
    Drifted,
    Indeterminate,
}

/// <summary>
/// Pure drift rules (upstream's revalidation, kept): the first successful probe only records a baseline; later
/// probes compare the ETag when both sides have one, else the size; a failed probe keeps everything and does not
/// advance <c>lastRevalidated</c>. <c>SourceDrifted</c> is written only when its status changes.
/// </summary>
public static class ModelRevalidation
{
    public static bool IsDue(ModelStatus status, DateTimeOffset now, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(status);
        return status.LastRevalidated is not { } last || now - new DateTimeOffset(last, TimeSpan.Zero) >= interval;
    }

    public static TimeSpan NextCheckIn(ModelStatus status, DateTimeOffset now, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(status);
        var remaining = status.LastRevalidated is { } last ? interval - (now - new DateTimeOffset(last, TimeSpan.Zero)) : TimeSpan.Zero;
        return remaining < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : remaining;
    }

    public static DriftOutcome Apply(ModelStatus status, ConditionSetter conditions, ProbeResult probe, RefreshPolicyView policy)
    {
        ArgumentNullException.ThrowIfNull(status);
        ArgumentNullException.ThrowIfNull(conditions);
        ArgumentNullException.ThrowIfNull(probe);
        if (!probe.Determinate)
        {
            return DriftOutcome.Indeterminate;
        }

        status.LastRevalidated = conditions.Now;
        if (probe.ContentLength is { } length)
        {
            status.Size = ByteSize.Format(length);
        }

        var hasBaseline = status.SourceETag is not null || status.SourceContentLength is not null;
        if (!hasBaseline)
        {
            status.SourceETag = probe.ETag;
            status.SourceContentLength = probe.ContentLength;
            conditions.MarkFalse(ConditionTypes.SourceDrifted, Reasons.InSync, "baseline recorded: the source's validator is tracked from now on");
            return DriftOutcome.Baseline;
        }

        var drifted = status.SourceETag is { } oldTag && probe.ETag is { } newTag
            ? oldTag != newTag
            : status.SourceContentLength is { } oldLength && probe.ContentLength is { } newLength && oldLength != newLength;
        if (!drifted)
        {
            if (!conditions.List.IsFalse(ConditionTypes.SourceDrifted))
            {
                conditions.MarkFalse(ConditionTypes.SourceDrifted, Reasons.InSync, "the source matches the recorded validator");
            }

            return DriftOutcome.InSync;
        }

        var change = status.SourceETag is not null && probe.ETag is not null
            ? $"ETag {status.SourceETag} -> {probe.ETag}"
            : $"size {status.SourceContentLength} -> {probe.ContentLength} bytes";
        var consequence = policy.OnChange
            ? "refreshPolicy is OnChange: the fetcher downloads the new version at the next pod start (restart the pods to pick it up now)"
            : "refreshPolicy is IfNotPresent: the cached copy keeps being served";
        conditions.MarkTrue(ConditionTypes.SourceDrifted, Reasons.UpstreamChanged, $"the source changed since it was recorded ({change}); {consequence}");
        return DriftOutcome.Drifted;
    }
}

/// <summary>The refresh policy as the drift message needs it.</summary>
public readonly record struct RefreshPolicyView(bool OnChange)
{
    public static RefreshPolicyView Of(ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new(spec.RefreshPolicy == RefreshPolicies.OnChange);
    }
}
