using System.Text;
using k8s.Models;
using LlmKube.Api;
using LlmKube.Api.Services;
using LlmKube.Core.Cache;

namespace LlmKube.Cli.SandboxUp;

/// <summary>Plain-text summary of services: phase, replicas, cache wiring, conditions, warnings.</summary>
internal static class ServiceReport
{
    public static bool IsSettled(InferenceService service)
    {
        ArgumentNullException.ThrowIfNull(service);
        var status = service.Status;
        if (status is null || status.ObservedGeneration != service.Metadata.Generation)
        {
            return false;
        }

        var claimPending = status.Conditions?.Any(c => c.Type == ConditionTypes.ModelCacheReady && c.Reason == Reasons.ClaimPending) == true;
        return status.Phase is ServicePhases.Ready or ServicePhases.Failed or ServicePhases.Stopped or ServicePhases.Suspended && !claimPending;
    }

    public static string Format(InferenceService service, IEnumerable<Corev1Event> warnings)
    {
        ArgumentNullException.ThrowIfNull(service);
        var status = service.Status;
        var text = new StringBuilder();
        text.Append($"inferenceservice {service.Metadata.NamespaceProperty}/{service.Metadata.Name}: {status?.Phase ?? "(no status yet)"}");
        text.Append($" ({status?.ReadyReplicas ?? 0}/{status?.DesiredReplicas ?? 0} replicas ready)\n");
        if (status?.ModelCache is { } cache)
        {
            text.Append("  cache:      ").Append(Wiring(cache)).Append('\n');
        }

        foreach (var condition in (status?.Conditions ?? []).OrderBy(c => c.Type, StringComparer.Ordinal))
        {
            text.Append($"  {condition.Type + ":",-22}{condition.Status} ({condition.Reason}) {condition.Message}\n");
        }

        foreach (var warning in warnings)
        {
            text.Append($"  warning:    {warning.Reason}: {warning.Message}\n");
        }

        return text.ToString();
    }

    public static string Wiring(ModelCacheStatus cache)
    {
        ArgumentNullException.ThrowIfNull(cache);
        return CachePlan.FromStatus(cache)?.Describe() ?? $"{cache.Volume} (reported incompletely)";
    }
}
