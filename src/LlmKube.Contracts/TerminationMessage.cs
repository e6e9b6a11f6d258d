using System.Text;

namespace LlmKube.Contracts;

/// <summary>One parsed failure line: the reason as written, the known reason when it is one, and the text.</summary>
public sealed record TerminationLine(string Reason, string Message)
{
    /// <summary>The reason as a <see cref="FailureReason"/>, or null when a newer fetcher wrote one this build does not know.</summary>
    public FailureReason? Known => Enum.TryParse<FailureReason>(Reason, ignoreCase: false, out var reason) && Enum.IsDefined(reason) ? reason : null;
}

/// <summary>
/// The fetcher's machine-readable failure line <c>reason=&lt;Reason&gt; message=&lt;text&gt;</c>, written to the
/// container's termination log (and stderr) and read back from the pod status by the operator and the CLI.
/// </summary>
public static class TerminationMessage
{
    /// <summary>Where Kubernetes reads a container's termination message by default.</summary>
    public const string DefaultPath = "/dev/termination-log";

    /// <summary>The kubelet keeps at most this many bytes of a termination message.</summary>
    public const int MaxBytes = 4096;

    private const string ReasonKey = "reason=";
    private const string MessageKey = " message=";

    /// <summary>
    /// The line for <paramref name="reason"/>: one line, control characters replaced by spaces, and every URL in it
    /// redacted (<see cref="Redaction.Text"/>): our own messages already are, a library's may not be, and the operator
    /// copies the line into status and events.
    /// </summary>
    public static string Format(FailureReason reason, string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var text = new StringBuilder(message.Length);
        foreach (var c in Redaction.Text(message))
        {
            text.Append(char.IsControl(c) ? ' ' : c);
        }

        return $"{ReasonKey}{reason}{MessageKey}{text.ToString().Trim()}";
    }

    /// <summary>
    /// The last failure line in <paramref name="text"/> (a termination message may end a log tail under
    /// <c>FallbackToLogsOnError</c>), or null when there is none. The message is everything after the first
    /// <c>" message="</c>, so it may itself contain that text.
    /// </summary>
    public static TerminationLine? Parse(string? text)
    {
        var line = text?.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith(ReasonKey, StringComparison.Ordinal));
        if (line is null)
        {
            return null;
        }

        var messageAt = line.IndexOf(MessageKey, StringComparison.Ordinal);
        return messageAt < 0
            ? new TerminationLine(line[ReasonKey.Length..].Trim(), "")
            : new TerminationLine(line[ReasonKey.Length..messageAt].Trim(), line[(messageAt + MessageKey.Length)..].Trim());
    }
}
