using k8s.Models;
using LlmKube.Api;
using LlmKube.Api.Services;
using LlmKube.ControllerRuntime;
using Cond = LlmKube.ControllerRuntime.Conditions;
using LlmKube.Core.Builders;

namespace LlmKube.Operator.Controllers;

/// <summary>
/// Pure rules that turn what the reconciler observed into an InferenceService status: phase, replica counts
/// and the Available / Progressing / Degraded / Suspended conditions. Every condition carries the
/// observed generation; transition times only move when a status flips.
/// </summary>
public static class ServiceStatusRules
{
    /// <summary>A stop: phase Failed, Degraded=True with the reason and message, nothing available.</summary>
    public static void Failed(InferenceServiceStatus status, string reason, string message, long? generation, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(status);
        status.Phase = ServicePhases.Failed;
        var conditions = Conditions(status);
        Cond.Set(conditions, ConditionTypes.Degraded, Cond.True, reason, message, generation, now);
        Cond.Set(conditions, ConditionTypes.Available, Cond.False, reason, message, generation, now);
        Cond.Set(conditions, ConditionTypes.Progressing, Cond.False, reason, message, generation, now);
    }

    /// <summary>Waiting on something outside the service (its Model): phase Pending.</summary>
    public static void Pending(InferenceServiceStatus status, string reason, string message, long? generation, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(status);
        status.Phase = ServicePhases.Pending;
        var conditions = Conditions(status);
        Cond.Set(conditions, ConditionTypes.Progressing, Cond.True, reason, message, generation, now);
        Cond.Set(conditions, ConditionTypes.Available, Cond.False, reason, message, generation, now);
        Cond.Set(conditions, ConditionTypes.Degraded, Cond.False, Reasons.AsExpected, "no problem found", generation, now);
    }

    /// <summary>Phase and counts from the Deployment: Suspended, Stopped, Ready, Progressing or Creating.</summary>
    public static void FromDeployment(InferenceServiceStatus status, InferenceServiceSpec spec, V1Deployment? deployment, long? generation, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(status);
        ArgumentNullException.ThrowIfNull(spec);
        var desired = DeploymentBuilder.DesiredReplicas(spec);
        var ready = deployment?.Status?.ReadyReplicas ?? 0;
        var observed = deployment?.Status?.ObservedGeneration is not { } seen || seen >= (deployment.Metadata?.Generation ?? 0);
        var counts = $"{ready}/{desired} replicas ready";
        status.DesiredReplicas = desired;
        status.ReadyReplicas = ready;
        status.Replicas = ready; // ★ the running count; the scale subresource reads it
        var (phase, reason) = spec.Suspend == true ? (ServicePhases.Suspended, Reasons.Suspended)
            : desired == 0 ? (ServicePhases.Stopped, Reasons.ManuallyScaledToZero)
            : ready >= desired && observed ? (ServicePhases.Ready, Reasons.InferenceReady)
            : ready > 0 ? (ServicePhases.Progressing, Reasons.Progressing)
            : (ServicePhases.Creating, Reasons.Creating);
        status.Phase = phase;

        var conditions = Conditions(status);
        var available = ready > 0 && phase != ServicePhases.Suspended;
        Cond.Set(conditions, ConditionTypes.Available, Bool(available),
            phase == ServicePhases.Ready ? Reasons.InferenceReady : available ? Reasons.MinimumReplicasAvailable : desired == 0 ? reason : Reasons.NoReadyReplicas,
            counts, generation, now);
        var progressing = phase is ServicePhases.Creating or ServicePhases.Progressing;
        Cond.Set(conditions, ConditionTypes.Progressing, Bool(progressing), progressing ? reason : phase == ServicePhases.Ready ? Reasons.InferenceReady : reason,
            progressing ? $"{(phase == ServicePhases.Creating ? "Creating" : "Rolling out")} inference service ({counts})" : counts, generation, now);
        Cond.Set(conditions, ConditionTypes.Degraded, Cond.False, Reasons.AsExpected, "no problem found", generation, now);
    }

    /// <summary>The Suspended condition is always present: True while spec.suspend is set.</summary>
    public static void Suspension(InferenceServiceStatus status, InferenceServiceSpec spec, long? generation, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(status);
        ArgumentNullException.ThrowIfNull(spec);
        var suspended = spec.Suspend == true;
        Cond.Set(Conditions(status), ConditionTypes.Suspended, Bool(suspended), suspended ? Reasons.Suspended : Reasons.NotSuspended,
            suspended ? "spec.suspend is true: scaled to zero, spec.replicas kept" : "spec.suspend is not set", generation, now);
    }

    public static IList<V1Condition> Conditions(InferenceServiceStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        return status.Conditions ??= new List<V1Condition>();
    }

    private static string Bool(bool value) => value ? Cond.True : Cond.False;
}
