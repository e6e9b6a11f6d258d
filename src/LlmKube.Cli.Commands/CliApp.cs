using System.CommandLine;
using LlmKube.Cli.Cluster;
using LlmKube.Cli.Output;

namespace LlmKube.Cli;

/// <summary>Builds the <c>llmkube</c> command tree. Each command lives in its own file under Commands/.</summary>
public static class CliApp
{
    public static RootCommand BuildRootCommand() => BuildRootCommand(CliEnvironment.Redirected);

    internal static RootCommand BuildRootCommand(CliEnvironment environment)
    {
        var root = new RootCommand("llmkube: serve LLMs on Kubernetes with llama.cpp, with a model cache you control.\n\n" + ExitCodes.Summary);
        root.Add(Commands.Deploy.DeployCommand.Create(environment));
        root.Add(Commands.List.ListCommand.Create(environment));
        root.Add(Commands.Status.StatusCommand.Create(environment));
        root.Add(Commands.Delete.DeleteCommand.Create(environment));
        root.Add(Commands.Scale.ScaleCommand.Create(environment));
        root.Add(Commands.Cache.CacheCommand.Create(environment));
        root.Add(Commands.Render.RenderCommand.Create());
        root.Add(Commands.Sandbox.SandboxCommand.Create(Commands.Sandbox.SandboxUpCommand.Create()));
        root.Add(Commands.Version.VersionCommand.Create(environment));
        root.Add(Commands.Catalog.CatalogCommand.Create(environment));
        root.Add(Commands.Completion.CompletionCommand.Create());
        Help.CommandExamples.AddToHelp(root);
        return root;
    }

    /// <summary>Exit code of an unexpected failure (a bug): one line on stderr, the trace only with LLMKUBE_DEBUG=1.</summary>
    public const int ExitInternalError = 70;

    /// <summary>Runs the CLI with the given streams; tests call this in-process.</summary>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken) =>
        RunAsync(args, output, error, CliEnvironment.ForProcess(output), cancellationToken);

    /// <summary>Runs the CLI with the given streams and environment (stdin and whether the streams are terminals).</summary>
    internal static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CliEnvironment environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(error);
        var root = BuildRootCommand(environment);
        var config = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        try
        {
            var parse = root.Parse(args);
            if (parse.Errors.Count > 0 && parse.Action is System.CommandLine.Invocation.ParseErrorAction)
            {
                return await UsageErrorAsync(parse, error).ConfigureAwait(false);
            }

            return await parse.InvokeAsync(config, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return 130;
        }
        catch (Exception e)
        {
            await error.WriteLineAsync($"error: unexpected failure: {e.GetType().Name}: {e.Message} (this is a bug; set LLMKUBE_DEBUG=1 for details)").ConfigureAwait(false);
            if (Environment.GetEnvironmentVariable("LLMKUBE_DEBUG") == "1")
            {
                await error.WriteLineAsync(e.ToString()).ConfigureAwait(false);
            }

            return ExitInternalError;
        }
    }

    /// <summary>One line per parse error and where to read the usage; exit 2.</summary>
    private static async Task<int> UsageErrorAsync(ParseResult parse, TextWriter error)
    {
        foreach (var problem in parse.Errors)
        {
            await error.WriteLineAsync($"error: {problem.Message}").ConfigureAwait(false);
        }

        foreach (var hint in Help.TypoHints.For(parse))
        {
            await error.WriteLineAsync(hint).ConfigureAwait(false);
        }

        var path = new List<string>();
        for (var result = parse.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            path.Insert(0, result.Command.Name);
        }

        path[0] = "llmkube";
        await error.WriteLineAsync($"see: {string.Join(' ', path)} --help").ConfigureAwait(false);
        return ExitCodes.Usage;
    }
}
