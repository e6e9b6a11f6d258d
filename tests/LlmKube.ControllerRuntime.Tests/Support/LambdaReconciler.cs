namespace LlmKube.ControllerRuntime.Tests.Support;

/// <summary>A reconciler written inline in a test.</summary>
internal sealed class LambdaReconciler(Func<ObjectKey, CancellationToken, Task<ReconcileResult>> reconcile) : IReconciler
{
    public Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken) => reconcile(key, cancellationToken);
}
