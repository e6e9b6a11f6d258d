using k8s.Models;

namespace LlmKube.ControllerRuntime;

/// <summary>
/// Helpers for <c>metav1.Condition</c> lists (KEP-1623): one condition per type; <c>lastTransitionTime</c>
/// changes only when <c>status</c> flips; reason, message and <c>observedGeneration</c> are updated in place.
/// Times are truncated to whole seconds, the API's precision, so a condition read back compares equal.
/// </summary>
public static class Conditions
{
    /// <summary>Condition status values.</summary>
    public const string True = "True";

    /// <summary>Condition status values.</summary>
    public const string False = "False";

    /// <summary>Condition status values.</summary>
    public const string Unknown = "Unknown";

    /// <summary>The condition of <paramref name="type"/>, or null.</summary>
    public static V1Condition? Find(IEnumerable<V1Condition>? conditions, string type) =>
        conditions?.FirstOrDefault(c => c.Type == type);

    /// <summary>Whether the condition exists with status True.</summary>
    public static bool IsTrue(IEnumerable<V1Condition>? conditions, string type) => Find(conditions, type)?.Status == True;

    /// <summary>Whether the condition exists with status False.</summary>
    public static bool IsFalse(IEnumerable<V1Condition>? conditions, string type) => Find(conditions, type)?.Status == False;

    /// <summary>
    /// Sets a condition; returns true when anything changed. A new condition, or a status flip, stamps
    /// <c>lastTransitionTime</c> with <paramref name="now"/>; otherwise the old transition time is kept.
    /// </summary>
    public static bool Set(IList<V1Condition> conditions, string type, string status, string reason, string message,
        long? observedGeneration, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        ArgumentException.ThrowIfNullOrEmpty(type);
        ArgumentException.ThrowIfNullOrEmpty(status);
        var stamp = Truncate(now);
        var existing = Find(conditions, type);
        if (existing == null)
        {
            conditions.Add(new V1Condition
            {
                Type = type,
                Status = status,
                Reason = reason,
                Message = message,
                ObservedGeneration = observedGeneration,
                LastTransitionTime = stamp,
            });
            return true;
        }

        var changed = false;
        if (existing.Status != status)
        {
            existing.Status = status;
            existing.LastTransitionTime = stamp;
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

        if (existing.ObservedGeneration != observedGeneration)
        {
            existing.ObservedGeneration = observedGeneration;
            changed = true;
        }

        return changed;
    }

    /// <summary>Sets a condition with the time from <paramref name="timeProvider"/>.</summary>
    public static bool Set(IList<V1Condition> conditions, string type, string status, string reason, string message,
        long? observedGeneration, TimeProvider? timeProvider = null) =>
        Set(conditions, type, status, reason, message, observedGeneration, (timeProvider ?? TimeProvider.System).GetUtcNow());

    /// <summary>Removes the condition of <paramref name="type"/>; returns true when it was there.</summary>
    public static bool Remove(IList<V1Condition> conditions, string type)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        var existing = Find(conditions, type);
        return existing != null && conditions.Remove(existing);
    }

    private static DateTime Truncate(DateTimeOffset now)
    {
        var utc = now.UtcDateTime;
        return new DateTime(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
    }
}
