using LlmKube.Api;
using LlmKube.ControllerRuntime;

namespace LlmKube.Operator.Controllers;

/// <summary>
/// The Available / Progressing / Degraded triple that Models and InferenceServices both report (upstream's kstatus
/// shape), written in one place: every state sets all three, so none is left over from an earlier one.
/// </summary>
public static class ReadinessConditions
{
    public const string NoProblem = "no problem found";

    /// <summary>A stop: Degraded=True with the reason and message, nothing available, nothing progressing.</summary>
    public static void MarkFailed(this ConditionSetter conditions, string reason, string message)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        conditions.MarkTrue(ConditionTypes.Degraded, reason, message);
        conditions.MarkFalse(ConditionTypes.Available, reason, message);
        conditions.MarkFalse(ConditionTypes.Progressing, reason, message);
    }

    /// <summary>Waiting on something outside the object (its Model, its claim binding): progressing, not available, not degraded.</summary>
    public static void MarkWaiting(this ConditionSetter conditions, string reason, string message)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        conditions.MarkTrue(ConditionTypes.Progressing, reason, message);
        conditions.MarkFalse(ConditionTypes.Available, reason, message);
        conditions.MarkNotDegraded();
    }

    /// <summary>Done: available with the reason and message, no longer progressing, not degraded.</summary>
    public static void MarkReady(this ConditionSetter conditions, string reason, string message)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        conditions.MarkTrue(ConditionTypes.Available, reason, message);
        conditions.MarkFalse(ConditionTypes.Progressing, Reasons.Superseded, "Ready");
        conditions.MarkNotDegraded();
    }

    public static void MarkNotDegraded(this ConditionSetter conditions)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        conditions.MarkFalse(ConditionTypes.Degraded, Reasons.AsExpected, NoProblem);
    }
}
