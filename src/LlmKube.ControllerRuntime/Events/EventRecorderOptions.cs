using k8s;
using k8s.Models;

namespace LlmKube.ControllerRuntime;

/// <summary>Records Kubernetes Events about objects. Never throws and never blocks on the API.</summary>
public interface IEventRecorder
{
    /// <summary>Records an event of <paramref name="type"/> (<c>Normal</c> or <c>Warning</c>).</summary>
    void Record(IKubernetesObject<V1ObjectMeta> regarding, string type, string reason, string message, string? action = null);
}

/// <summary>Shorthands for <see cref="IEventRecorder"/>.</summary>
public static class EventRecorderExtensions
{
    /// <summary>Records a <c>Normal</c> event.</summary>
    public static void Normal(this IEventRecorder recorder, IKubernetesObject<V1ObjectMeta> regarding, string reason, string message, string? action = null)
    {
        ArgumentNullException.ThrowIfNull(recorder);
        recorder.Record(regarding, "Normal", reason, message, action);
    }

    /// <summary>Records a <c>Warning</c> event.</summary>
    public static void Warning(this IEventRecorder recorder, IKubernetesObject<V1ObjectMeta> regarding, string reason, string message, string? action = null)
    {
        ArgumentNullException.ThrowIfNull(recorder);
        recorder.Record(regarding, "Warning", reason, message, action);
    }
}

/// <summary>Settings of <see cref="EventRecorder"/>.</summary>
public sealed record EventRecorderOptions
{
    /// <summary><c>source.component</c> / <c>reportingComponent</c>, e.g. <c>llmkube-controller</c>.</summary>
    public string Component { get; init; } = "llmkube-controller";

    /// <summary><c>source.host</c> / <c>reportingInstance</c>; defaults to the machine (pod) name.</summary>
    public string Instance { get; init; } = Environment.MachineName;

    /// <summary>
    /// No-duplicate rule: an event identical (type, reason, message) to the <em>latest</em> event recorded for
    /// the same object within this window is not written at all. Default 1 hour, the API server's default event
    /// TTL, so a condition that persists is re-stamped (count + 1) about once per TTL and stays visible.
    /// </summary>
    public TimeSpan DedupWindow { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Per-object token bucket: burst (client-go's spam filter: 25).</summary>
    public int BurstPerObject { get; init; } = 25;

    /// <summary>Per-object token bucket: one token per this interval (client-go: 5 minutes).</summary>
    public TimeSpan RefillInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Objects tracked for de-duplication, aggregation and rate limits (least recently used are forgotten).</summary>
    public int MaxTrackedObjects { get; init; } = 4096;

    /// <summary>Pending writes; further events are dropped (and counted) while the buffer is full.</summary>
    public int BufferSize { get; init; } = 1000;
}
