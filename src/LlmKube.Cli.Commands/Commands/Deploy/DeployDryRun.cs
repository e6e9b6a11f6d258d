using System.CommandLine;
using System.CommandLine.Invocation;
using LlmKube.Cli.Cluster;
using LlmKube.Cli.Output;
using LlmKube.Cli.Wiring;

namespace LlmKube.Cli.Commands.Deploy;

/// <summary>
/// <c>llmkube deploy … --dry-run</c>: builds and validates the Model and InferenceService exactly as deploy would and
/// prints them, without a kubeconfig or a cluster. Without -n the objects carry no namespace, as kubectl's client-side
/// dry run prints them, so <c>kubectl apply -f -</c> puts them in the current namespace.
/// </summary>
internal static class DeployDryRun
{
    /// <summary>Runs the dry run when --dry-run is given, else the command's cluster action as before.</summary>
    public static void Wrap(Command command, CliEnvironment environment, Option<bool> dryRun, Func<ParseResult, DeployRequest> request, Option<string> output)
    {
        ArgumentNullException.ThrowIfNull(command);
        var cluster = command.Action as AsynchronousCommandLineAction ?? throw new InvalidOperationException("deploy: set the cluster action first");
        command.SetAction(async (parse, ct) =>
        {
            if (!parse.GetValue(dryRun))
            {
                return await cluster.InvokeAsync(parse, ct).ConfigureAwait(false);
            }

            var console = environment.ConsoleFor(parse);
            try
            {
                return await RunAsync(console, request(parse), Documents.Parse(parse.GetValue(output))).ConfigureAwait(false);
            }
            catch (CliException e)
            {
                await console.ErrorLineAsync(e.Message).ConfigureAwait(false);
                return e.ExitCode;
            }
        });
    }

    private static async Task<int> RunAsync(CliConsole console, DeployRequest request, OutputFormat format)
    {
        var (model, service) = request.Build();
        await DeployCommand.ValidateAsync(console, model, service).ConfigureAwait(false);
        if (format != OutputFormat.Table)
        {
            await Documents.WriteAsync(console.Out, format, Documents.List([model, service])).ConfigureAwait(false);
            return ExitCodes.Ok;
        }

        var subject = request.Namespace is null ? request.Name : $"{request.Namespace}/{request.Name}";
        var origin = request.CatalogId is null ? "" : $", catalog {request.CatalogId}";
        await console.Out.WriteLineAsync($"model {subject} would be created (source {request.Source}{origin})").ConfigureAwait(false);
        await console.Out.WriteLineAsync($"inferenceservice {subject} would be created ({request.Replicas} replica{(request.Replicas == 1 ? "" : "s")})").ConfigureAwait(false);
        await console.Out.WriteLineAsync($"cache: {ServiceWiring.Resolve(service, model, OperatorConfig.Unreadable("a dry run reads no cluster")).Describe()} (with the operator's default cache mode)").ConfigureAwait(false);
        await console.NoteAsync("dry run: nothing was created; -o yaml prints the objects").ConfigureAwait(false);
        return ExitCodes.Ok;
    }
}
