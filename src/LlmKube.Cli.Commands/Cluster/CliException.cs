namespace LlmKube.Cli.Cluster;

/// <summary>
/// A failure to report to the user as one line <c>error: …</c> naming what to do, with its exit code. Thrown
/// anywhere below a command's action and turned into output by <see cref="ClusterCommand"/>.
/// </summary>
internal sealed class CliException : Exception
{
    public CliException(int exitCode, string message)
        : base(message)
    {
        ExitCode = exitCode;
    }

    public CliException()
        : this(ExitCodes.Failed, "failed")
    {
    }

    public CliException(string message)
        : this(ExitCodes.Failed, message)
    {
    }

    public CliException(string message, Exception innerException)
        : base(message, innerException)
    {
        ExitCode = ExitCodes.Failed;
    }

    public int ExitCode { get; }

    public static CliException Usage(string message) => new(ExitCodes.Usage, message);

    public static CliException NotFound(string message) => new(ExitCodes.NotFound, message);

    public static CliException Refused(string message) => new(ExitCodes.Failed, message);
}
