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

/// <summary>An <see cref="IReconciler"/> from a delegate.</summary>
public sealed class DelegateReconciler(Func<ObjectKey, CancellationToken, Task<ReconcileResult>> reconcile) : IReconciler
{
    private readonly Func<ObjectKey, CancellationToken, Task<ReconcileResult>> _reconcile = reconcile ?? throw new ArgumentNullException(nameof(reconcile));

    /// <inheritdoc/>
    public Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken) => _reconcile(key, cancellationToken);
}
