using System.CommandLine;
using LlmKube.Api;
using LlmKube.Api.Models;
using LlmKube.Api.Services;
using LlmKube.Cli.Cluster;
using LlmKube.Cli.Output;
using LlmKube.Cli.Wiring;

namespace LlmKube.Cli.Commands.List;

/// <summary><c>llmkube list [services|models]</c> (alias ls): a table of services with their cache wiring, or of models.</summary>
internal static class ListCommand
{
    private const int SourceWidth = 50;

    public static Command Create(CliEnvironment environment)
    {
        var what = new Argument<string>("KIND") { Description = "services (default) or models.", DefaultValueFactory = _ => "services" };
        what.AcceptOnlyFromAmong("services", "service", "svc", "isvc", "models", "model", "mdl");
        var options = new ClusterOptions(allNamespaces: true);
        var command = new Command("list", "List inference services (NAME MODEL PHASE REPLICAS CACHE CLAIM ENDPOINT AGE) or models (NAME PHASE SIZE CACHE KEY SOURCE AGE).") { what };
        command.Aliases.Add("ls");
        options.AddTo(command);
        command.SetClusterAction(options, environment, (session, parse, ct) =>
            parse.GetValue(what) is "models" or "model" or "mdl" ? ModelsAsync(session, ct) : ServicesAsync(session, ct));
        return command;
    }

    private static async Task<int> ServicesAsync(ClusterSession session, CancellationToken ct)
    {
        var services = await session.Api.ListInferenceServicesAsync(session.ListNamespace, ct).ConfigureAwait(false);
        if (session.Format != OutputFormat.Table)
        {
            await Documents.WriteAsync(session.Console.Out, session.Format, Documents.List(services)).ConfigureAwait(false);
            return ExitCodes.Ok;
        }

        if (services.Count == 0)
        {
            await session.Console.NoteAsync(Nothing("inference services", session)).ConfigureAwait(false);
            return ExitCodes.Ok;
        }

        var index = await WiringIndex.LoadAsync(session, ct).ConfigureAwait(false);
        var table = new TextTable(Headers(session, "NAME", "MODEL", "PHASE", "REPLICAS", "CACHE", "CLAIM", "ENDPOINT", "AGE"));
        var now = DateTime.UtcNow;
        var computed = false;
        foreach (var service in services)
        {
            var wiring = index.Resolve(service);
            computed |= !wiring.Reported;
            var status = service.Status;
            table.Add(Row(session, service.Metadata.NamespaceProperty,
                service.Metadata.Name,
                service.Spec.ModelRef,
                new Cell(status?.Phase ?? "-", PhaseTone(status?.Phase)),
                $"{status?.ReadyReplicas ?? 0}/{status?.DesiredReplicas ?? service.Spec.Replicas ?? 1}",
                wiring.Volume + (wiring.Reported ? "" : "*"),
                wiring.ClaimName ?? "-",
                status?.Endpoint ?? "-",
                Durations.Age(service.Metadata.CreationTimestamp, now)));
        }

        await table.WriteAsync(session.Console).ConfigureAwait(false);
        if (computed)
        {
            await session.Console.NoteAsync("* computed by the operator's decision: the operator has not reported status.modelCache for it yet").ConfigureAwait(false);
            if (index.Config.Published is null)
            {
                await session.Console.NoteAsync($"  with the operator's default settings: its configuration is {index.Config.Describe()}").ConfigureAwait(false);
            }
        }

        return ExitCodes.Ok;
    }

    private static async Task<int> ModelsAsync(ClusterSession session, CancellationToken ct)
    {
        var models = await session.Api.ListModelsAsync(session.ListNamespace, ct).ConfigureAwait(false);
        if (session.Format != OutputFormat.Table)
        {
            await Documents.WriteAsync(session.Console.Out, session.Format, Documents.List(models)).ConfigureAwait(false);
            return ExitCodes.Ok;
        }

        if (models.Count == 0)
        {
            await session.Console.NoteAsync(Nothing("models", session)).ConfigureAwait(false);
            return ExitCodes.Ok;
        }

        var table = new TextTable(Headers(session, "NAME", "PHASE", "SIZE", "CACHE KEY", "SOURCE", "AGE"));
        var now = DateTime.UtcNow;
        foreach (var model in models)
        {
            var key = Api.Cache.CacheKeys.Expected(model);
            table.Add(Row(session, model.Metadata.NamespaceProperty,
                model.Metadata.Name,
                new Cell(model.Status?.Phase ?? "-", PhaseTone(model.Status?.Phase)),
                model.Status?.Size ?? "-",
                key.Length > 0 ? key : "-",
                Tail(model.Spec.Source, SourceWidth),
                Durations.Age(model.Metadata.CreationTimestamp, now)));
        }

        await table.WriteAsync(session.Console).ConfigureAwait(false);
        return ExitCodes.Ok;
    }

    public static Tone PhaseTone(string? phase) => phase switch
    {
        ServicePhases.Ready => Tone.Good,
        ServicePhases.Failed => Tone.Bad,
        null => Tone.Dim,
        _ => Tone.Warn,
    };

    /// <summary>Long sources keep their tail (the file name), as upstream's CLI does.</summary>
    public static string Tail(string text, int width)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length <= width ? text : "..." + text[^(width - 3)..];
    }

    private static string Nothing(string what, ClusterSession session) =>
        session.AllNamespaces ? $"No {what} found in any namespace." : $"No {what} found in namespace {session.Namespace}.";

    private static string[] Headers(ClusterSession session, params string[] headers) => session.AllNamespaces ? ["NAMESPACE", .. headers] : headers;

    private static Cell[] Row(ClusterSession session, string ns, params Cell[] cells) => session.AllNamespaces ? [ns, .. cells] : cells;
}
