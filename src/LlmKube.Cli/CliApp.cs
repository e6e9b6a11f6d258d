using System.CommandLine;

namespace LlmKube.Cli;

/// <summary>Builds the <c>llmkube</c> command tree. Each command lives in its own file under Commands/.</summary>
public static class CliApp
{
    public static RootCommand BuildRootCommand()
    {
        var root = new RootCommand("llmkube: serve LLMs on Kubernetes with llama.cpp, with a model cache you control.");
        root.Add(Commands.Render.RenderCommand.Create(() => new Render.SchemaAdmission()));
        root.Add(Commands.Sandbox.SandboxCommand.Create(Commands.Sandbox.SandboxUpCommand.Create()));
        return root;
    }

    /// <summary>Exit code of an unexpected failure (a bug): one line on stderr, the trace only with LLMKUBE_DEBUG=1.</summary>
    public const int ExitInternalError = 70;

    /// <summary>Runs the CLI with the given streams; tests call this in-process.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(error);
        var root = BuildRootCommand();
        var config = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        try
        {
            return await root.Parse(args).InvokeAsync(config, cancellationToken).ConfigureAwait(false);
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
}
