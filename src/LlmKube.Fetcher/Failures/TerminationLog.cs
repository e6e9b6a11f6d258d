using System.Text;

namespace LlmKube.Fetcher.Failures;

/// <summary>Writes the one machine-readable failure line the operator parses.</summary>
internal sealed class TerminationLog(string path, TextWriter stderr)
{
    public const string DefaultPath = "/dev/termination-log";

    public static string Format(FailureReason reason, string message)
    {
        // One line, no control characters: the operator splits on the first "message=". Any URL in it (our own
        // messages are already redacted; a library's may not be) loses its userinfo and query values.
        var sb = new StringBuilder(message.Length);
        foreach (var c in Redaction.Text(message))
        {
            sb.Append(char.IsControl(c) ? ' ' : c);
        }

        return $"reason={reason} message={sb.ToString().Trim()}";
    }

    public void Write(FailureReason reason, string message)
    {
        var line = Format(reason, message);
        stderr.WriteLine(line);
        stderr.Flush();
        try
        {
            if (File.Exists(path))
            {
                File.WriteAllText(path, line + "\n");
            }
        }
        catch (IOException)
        {
            // The termination log is best effort; stderr already has the line.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
