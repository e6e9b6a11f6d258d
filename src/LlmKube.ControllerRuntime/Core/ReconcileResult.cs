namespace LlmKube.ControllerRuntime;

/// <summary>How a reconcile ended (Flux-style: a small value instead of exceptions for control flow).</summary>
public enum ReconcileOutcome
{
    /// <summary>Converged; nothing more to do until something changes.</summary>
    Done,

    /// <summary>Converged for now; look again after <see cref="ReconcileResult.After"/> (e.g. polling an external state).</summary>
    RequeueAfter,

    /// <summary>Try again soon with per-key back-off, without counting an error (e.g. a conflict).</summary>
    Requeue,

    /// <summary>A transient failure: retried with per-key exponential back-off, never dropped. (A failure that retrying
    /// cannot fix belongs in the object's status, with <see cref="Done"/>: the next change of the object brings it back.)</summary>
    TransientError,
}

/// <summary>The result of one reconcile.</summary>
public sealed record ReconcileResult
{
    private ReconcileResult(ReconcileOutcome outcome, TimeSpan after = default, string? message = null, Exception? exception = null)
    {
        Outcome = outcome;
        After = after;
        Message = message;
        Exception = exception;
    }

    /// <summary>Converged.</summary>
    public static ReconcileResult Done { get; } = new(ReconcileOutcome.Done);

    /// <summary>Retry soon with back-off, not an error (e.g. after a 409 Conflict).</summary>
    public static ReconcileResult Requeue { get; } = new(ReconcileOutcome.Requeue);

    /// <summary>What happened.</summary>
    public ReconcileOutcome Outcome { get; }

    /// <summary>The delay for <see cref="ReconcileOutcome.RequeueAfter"/>.</summary>
    public TimeSpan After { get; }

    /// <summary>Error message, for errors.</summary>
    public string? Message { get; }

    /// <summary>The exception behind an error, if any.</summary>
    public Exception? Exception { get; }

    /// <summary>Whether this is an error outcome.</summary>
    public bool IsError => Outcome == ReconcileOutcome.TransientError;

    /// <summary>Look again after <paramref name="delay"/> (not an error; back-off is reset).</summary>
    public static ReconcileResult RequeueAfter(TimeSpan delay) =>
        delay <= TimeSpan.Zero ? Requeue : new(ReconcileOutcome.RequeueAfter, delay);

    /// <summary>A transient error, retried with back-off.</summary>
    public static ReconcileResult Error(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return new(ReconcileOutcome.TransientError, message: exception.Message, exception: exception);
    }

    /// <summary>A transient error, retried with back-off.</summary>
    public static ReconcileResult Error(string message) => new(ReconcileOutcome.TransientError, message: message);

    /// <summary>The shorter of two requeue requests (used to combine sub-steps): errors win, then the
    /// earliest retry, then Done.</summary>
    public static ReconcileResult Min(ReconcileResult a, ReconcileResult b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        static int Rank(ReconcileResult r) => r.Outcome switch
        {
            ReconcileOutcome.TransientError => 0,
            ReconcileOutcome.Requeue => 1,
            ReconcileOutcome.RequeueAfter => 2,
            ReconcileOutcome.Done => 3,
        };
        var ra = Rank(a);
        var rb = Rank(b);
        if (ra != rb)
        {
            return ra < rb ? a : b;
        }

        return a.Outcome == ReconcileOutcome.RequeueAfter && b.After < a.After ? b : a;
    }

    /// <inheritdoc/>
    public override string ToString() => Outcome switch
    {
        ReconcileOutcome.RequeueAfter => $"RequeueAfter({After})",
        ReconcileOutcome.TransientError => $"{Outcome}({Message})",
        _ => Outcome.ToString(),
    };
}
