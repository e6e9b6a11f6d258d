using System.CommandLine;
using LlmKube.Cli.Cluster;
using LlmKube.Cli.Output;

namespace LlmKube.Cli.Commands.Scale;

/// <summary><c>llmkube scale NAME -r N</c>: sets the service's spec.replicas (0 stops it and keeps everything else).</summary>
internal static class ScaleCommand
{
    public const int MaxReplicas = 10;

    public static Command Create(CliEnvironment environment)
    {
        var name = new Argument<string>("NAME") { Description = "The InferenceService to scale." };
        var replicas = new Option<int>("--replicas", "-r") { Description = $"Replicas (0-{MaxReplicas}); 0 stops the service's pods.", Required = true };
        var options = new ClusterOptions(allNamespaces: false);
        var command = new Command("scale", "Set how many replicas a service runs (0 stops its pods, for example before llmkube cache clear).") { name, replicas };
        options.AddTo(command);
        command.SetClusterAction(options, environment, async (session, parse, ct) =>
        {
            var target = parse.GetValue(name)!;
            var count = parse.GetValue(replicas);
            if (count is < 0 or > MaxReplicas)
            {
                throw CliException.Usage($"--replicas {count}: must be between 0 and {MaxReplicas}");
            }

            var ns = session.Namespace;
            var service = await session.Api.GetInferenceServiceAsync(ns, target, ct).ConfigureAwait(false)
                ?? throw CliException.NotFound($"no inferenceservice {target} in namespace {ns}: see llmkube list -n {ns}");
            var before = service.Spec.Replicas ?? 1;
            var patched = await session.Api.PatchReplicasAsync(ns, target, count, ct).ConfigureAwait(false);
            if (session.Format != OutputFormat.Table)
            {
                await Documents.WriteAsync(session.Console.Out, session.Format, Documents.ToNode(patched)).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            var suspended = service.Spec.Suspend == true ? " (the service is suspended: no pods run until spec.suspend is unset)" : "";
            await session.Console.Out.WriteLineAsync($"inferenceservice {ns}/{target} scaled from {before} to {count} replica{(count == 1 ? "" : "s")}{suspended}").ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }
}
