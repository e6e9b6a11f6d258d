using k8s.Models;
using LlmKube.Api;
using LlmKube.Api.Services;
using LlmKube.ControllerRuntime;
using LlmKube.Core.Builders;

namespace LlmKube.Operator.Controllers;

/// <summary>
/// Pure rules that turn what the reconciler observed into an InferenceService status: phase, replica counts
/// and the Available / Progressing / Degraded / Suspended conditions (through a <see cref="ConditionSetter"/>,
/// which stamps the observed generation; transition times only move when a status flips).
/// </summary>
public static class InferenceServiceStatusRules
{
    /// <summary>A stop: phase Failed, Degraded=True with the reason and message, nothing available.</summary>
    public static void Failed(InferenceServiceStatus status, ConditionSetter conditions, string reason, string message)
    {
        ArgumentNullException.ThrowIfNull(status);
        status.Phase = ServicePhases.Failed;
        conditions.MarkFailed(reason, message);
    }

    /// <summary>Waiting on something outside the service (its Model): phase Pending.</summary>
    public static void Pending(InferenceServiceStatus status, ConditionSetter conditions, string reason, string message)
    {
        ArgumentNullException.ThrowIfNull(status);
        status.Phase = ServicePhases.Pending;
        conditions.MarkWaiting(reason, message);
    }

    /// <summary>Phase and counts from the Deployment: Suspended, Stopped, Ready, Progressing or Creating.</summary>
    public static void FromDeployment(InferenceServiceStatus status, ConditionSetter conditions, InferenceServiceSpec spec, V1Deployment? deployment)
    {
        ArgumentNullException.ThrowIfNull(status);
        ArgumentNullException.ThrowIfNull(conditions);
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

        var available = ready > 0 && phase != ServicePhases.Suspended;
        conditions.Set(ConditionTypes.Available, ConditionStatus.Of(available),
            phase == ServicePhases.Ready ? Reasons.InferenceReady : available ? Reasons.MinimumReplicasAvailable : desired == 0 ? reason : Reasons.NoReadyReplicas,
            counts);
        var progressing = phase is ServicePhases.Creating or ServicePhases.Progressing;
        conditions.Set(ConditionTypes.Progressing, ConditionStatus.Of(progressing), progressing ? reason : phase == ServicePhases.Ready ? Reasons.InferenceReady : reason,
            progressing ? $"{(phase == ServicePhases.Creating ? "Creating" : "Rolling out")} inference service ({counts})" : counts);
        conditions.MarkNotDegraded();
    }

    /// <summary>The Suspended condition is always present: True while spec.suspend is set.</summary>
    public static void Suspension(ConditionSetter conditions, InferenceServiceSpec spec)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        ArgumentNullException.ThrowIfNull(spec);
        var suspended = spec.Suspend == true;
        conditions.Set(ConditionTypes.Suspended, ConditionStatus.Of(suspended), suspended ? Reasons.Suspended : Reasons.NotSuspended,
            suspended ? "spec.suspend is true: scaled to zero, spec.replicas kept" : "spec.suspend is not set");
    }
}
