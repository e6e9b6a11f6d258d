using Spectre.Console;

namespace LlmKube.Cli.Output;

/// <summary>
/// Where a command writes and reads, and whether a person is at the other end. Tables, colour and live progress
/// only when <see cref="OutputIsTerminal"/>; questions only when <see cref="InputIsTerminal"/>. Tests pass captured
/// writers, so output is plain and nothing is ever asked.
/// </summary>
internal sealed record CliConsole(TextWriter Out, TextWriter Error, TextReader In, bool OutputIsTerminal, bool InputIsTerminal)
{
    /// <summary>Colour on a terminal unless NO_COLOR is set or TERM is dumb.</summary>
    public bool Colour => OutputIsTerminal
        && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"))
        && Environment.GetEnvironmentVariable("TERM") != "dumb";

    /// <summary>A Spectre console over <see cref="Out"/> (ANSI and colour only on a terminal).</summary>
    public IAnsiConsole Ansi() => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Ansi = Colour ? AnsiSupport.Yes : AnsiSupport.No,
        ColorSystem = Colour ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        Interactive = OutputIsTerminal ? InteractionSupport.Yes : InteractionSupport.No,
        Out = new AnsiConsoleOutput(Out),
    });

    public Task ErrorLineAsync(string message) => Error.WriteLineAsync("error: " + message);

    public Task WarnAsync(string message) => Error.WriteLineAsync("warning: " + message);

    public Task NoteAsync(string message) => Error.WriteLineAsync(message);
}

/// <summary>What the process offers beyond the two writers: stdin and whether the streams are terminals.</summary>
internal sealed record CliEnvironment(TextReader In, bool OutputIsTerminal, bool InputIsTerminal)
{
    /// <summary>The real process: a terminal when the writers are the process's own and not redirected.</summary>
    public static CliEnvironment ForProcess(TextWriter output)
    {
        var isConsole = ReferenceEquals(output, Console.Out);
        return new CliEnvironment(Console.In, isConsole && !Console.IsOutputRedirected, isConsole && !Console.IsInputRedirected && !Console.IsOutputRedirected);
    }

    /// <summary>No terminal and no input: what scripts and tests get.</summary>
    public static CliEnvironment Redirected { get; } = new(TextReader.Null, false, false);

    public CliConsole ConsoleFor(System.CommandLine.ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return new CliConsole(parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, In, OutputIsTerminal, InputIsTerminal);
    }
}
