namespace LlmKube.Fetcher.Failures;

/// <summary>A classified failure: reason plus a one-line, secret-free message.</summary>
internal sealed class FetchException : Exception
{
    public FetchException(FailureReason reason, string message, Exception? inner = null)
        : base(message, inner)
    {
        Reason = reason;
    }

    public FailureReason Reason { get; }
}

/// <summary>A failure that another attempt may fix (dropped connection, 5xx, timeout).</summary>
internal sealed class TransientException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The source changed while a transfer was in progress (If-Range answered 200, If-Match 412).</summary>
internal sealed class SourceChangedException(string message) : Exception(message);
