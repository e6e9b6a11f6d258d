using k8s;
using k8s.Models;

namespace LlmKube.ControllerRuntime;

/// <summary>Values of <c>metav1.Condition.status</c>.</summary>
public static class ConditionStatus
{
    public const string True = "True";
    public const string False = "False";

    public static string Of(bool value) => value ? True : False;
}

/// <summary>Reading a <c>metav1.Condition</c> list (one condition per type).</summary>
public static class ConditionListExtensions
{
    /// <summary>The condition of <paramref name="type"/>, or null.</summary>
    public static V1Condition? Get(this IEnumerable<V1Condition>? conditions, string type) =>
        conditions?.FirstOrDefault(c => c.Type == type);

    /// <summary>Whether the condition exists with status False.</summary>
    public static bool IsFalse(this IEnumerable<V1Condition>? conditions, string type) => conditions.Get(type)?.Status == ConditionStatus.False;
}

/// <summary>
/// Flux-style setters for the conditions of one object in one reconcile (KEP-1623 <c>metav1.Condition</c>): the
/// <c>observedGeneration</c> is the object's generation and the time comes from one clock, read once, so a caller
/// names only type, reason and message. One condition per type; <c>lastTransitionTime</c> moves only when the status
/// flips; times are whole seconds, the API's precision, so a condition read back compares equal.
/// </summary>
public sealed class ConditionSetter
{
    /// <param name="generation">The generation the conditions describe.</param>
    /// <param name="now">The time of this reconcile.</param>
    public ConditionSetter(long? generation, IList<V1Condition> conditions, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        Generation = generation;
        List = conditions;
        var utc = now.UtcDateTime;
        Now = new DateTime(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
    }

    /// <summary>Conditions describing the current generation of <paramref name="obj"/>, set at <paramref name="now"/> (read once per reconcile).</summary>
    public static ConditionSetter For(IMetadata<V1ObjectMeta> obj, IList<V1Condition> conditions, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return new ConditionSetter(obj.Metadata?.Generation, conditions, now);
    }

    public IList<V1Condition> List { get; }

    public long? Generation { get; }

    /// <summary>This reconcile's time, in whole seconds (UTC).</summary>
    public DateTime Now { get; }

    public bool MarkTrue(string type, string reason, string message) => Set(type, ConditionStatus.True, reason, message);

    public bool MarkFalse(string type, string reason, string message) => Set(type, ConditionStatus.False, reason, message);

    /// <summary>Sets a condition; returns true when anything changed. A new condition or a status flip stamps <see cref="Now"/>.</summary>
    public bool Set(string type, string status, string reason, string message)
    {
        ArgumentException.ThrowIfNullOrEmpty(type);
        ArgumentException.ThrowIfNullOrEmpty(status);
        var existing = List.Get(type);
        if (existing == null)
        {
            List.Add(new V1Condition
            {
                Type = type,
                Status = status,
                Reason = reason,
                Message = message,
                ObservedGeneration = Generation,
                LastTransitionTime = Now,
            });
            return true;
        }

        var changed = false;
        if (existing.Status != status)
        {
            existing.Status = status;
            existing.LastTransitionTime = Now;
            changed = true;
        }

        if (existing.Reason != reason)
        {
            existing.Reason = reason;
            changed = true;
        }

        if (existing.Message != message)
        {
            existing.Message = message;
            changed = true;
        }

        if (existing.ObservedGeneration != Generation)
        {
            existing.ObservedGeneration = Generation;
            changed = true;
        }

        return changed;
    }
}
