using System.CommandLine;

namespace LlmKube.Cli.Commands.Sandbox;

/// <summary>
/// <c>llmkube sandbox</c>: the Kubernetes API emulator for trying llmkube without a cluster.
/// Subcommands: <c>serve</c> here; others (such as <c>up</c>) are passed in by the caller.
/// </summary>
public static class SandboxCommand
{
    public static Command Create(params Command[] extraSubcommands)
    {
        ArgumentNullException.ThrowIfNull(extraSubcommands);
        var command = new Command("sandbox", "An in-process Kubernetes API emulator (test and demo infrastructure: it runs no pods and schedules nothing).");
        command.Add(SandboxServeCommand.Create());
        foreach (var extra in extraSubcommands)
        {
            command.Add(extra);
        }

        return command;
    }
}
