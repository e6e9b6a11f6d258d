namespace LlmKube.Fetcher.Failures;

/// <summary>Writes the one machine-readable failure line (<see cref="TerminationMessage"/>) the operator parses.</summary>
internal sealed class TerminationLog(string path, TextWriter stderr)
{
    public void Write(FailureReason reason, string message)
    {
        var line = TerminationMessage.Format(reason, message);
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
