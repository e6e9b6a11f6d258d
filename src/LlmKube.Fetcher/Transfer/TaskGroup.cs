namespace LlmKube.Fetcher.Transfer;

internal static class TaskGroup
{
    /// <summary>
    /// Waits for all tasks; the first failure cancels the others, and that failure (not the cancellations it caused)
    /// is what propagates.
    /// </summary>
    public static async Task WhenAllOrFirstFailure(IReadOnlyList<Task> tasks, CancellationTokenSource cts, CancellationToken outer)
    {
        var remaining = tasks.ToList();
        Exception? first = null;
        while (remaining.Count > 0)
        {
            var done = await Task.WhenAny(remaining).ConfigureAwait(false);
            remaining.Remove(done);
            if (done.IsFaulted && first is null)
            {
                first = done.Exception!.InnerExceptions[0];
                await cts.CancelAsync().ConfigureAwait(false);
            }
            else if (done.IsCanceled && first is null && !outer.IsCancellationRequested)
            {
                first = new OperationCanceledException("a transfer task was cancelled");
                await cts.CancelAsync().ConfigureAwait(false);
            }
        }

        outer.ThrowIfCancellationRequested();
        if (first is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first).Throw();
        }
    }
}
