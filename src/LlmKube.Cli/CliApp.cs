using System.CommandLine;

namespace LlmKube.Cli;

/// <summary>Builds the <c>llmkube</c> command tree. Each command lives in its own file under Commands/.</summary>
public static class CliApp
{
    public static RootCommand BuildRootCommand()
    {
        var root = new RootCommand("llmkube: serve LLMs on Kubernetes with llama.cpp, with a model cache you control.");
        root.Add(Commands.Sandbox.SandboxCommand.Create());
        return root;
    }

    /// <summary>Runs the CLI with the given streams; tests call this in-process.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var root = BuildRootCommand();
        var config = new InvocationConfiguration { Output = output, Error = error };
        return await root.Parse(args).InvokeAsync(config, cancellationToken).ConfigureAwait(false);
    }
}
