namespace LlmKube.ControllerRuntime;

/// <summary>
/// Drives one object towards its desired state. Level-triggered: it receives only a key, reads the current
/// state (from informer caches), and must be idempotent. Return a <see cref="ReconcileResult"/>; thrown
/// exceptions count as transient errors, except a 409 Conflict, which is a plain <see cref="ReconcileResult.Requeue"/>.
/// </summary>
public interface IReconciler
{
    /// <summary>Reconciles the object with <paramref name="key"/> (which may no longer exist).</summary>
    Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken);
}
