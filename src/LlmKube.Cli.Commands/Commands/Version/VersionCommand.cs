using System.CommandLine;
using System.Text.Json.Nodes;
using LlmKube.Api;
using LlmKube.Cli.Cluster;
using LlmKube.Cli.Output;
using LlmKube.Cli.Wiring;
using LlmKube.Contracts;

namespace LlmKube.Cli.Commands.Version;

/// <summary>
/// <c>llmkube version</c>: this CLI's version and, unless --client, the operator's, read from the configuration it
/// publishes in the cluster. An operator that cannot be read is reported with the reason, not as a failure: the
/// client's version is still the answer to the question.
/// </summary>
internal static class VersionCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var client = new Option<bool>("--client") { Description = "Only this CLI's version; do not contact the cluster." };
        var options = new ClusterOptions(allNamespaces: false);
        var command = new Command("version", "Print the CLI's version and the operator's (read from the cluster when reachable).") { client };
        options.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var console = environment.ConsoleFor(parse);
            var format = Documents.Parse(parse.GetValue(options.Output));
            var operatorConfig = parse.GetValue(client) ? null : await ReadOperatorAsync(parse, options, console, ct).ConfigureAwait(false);
            if (format != OutputFormat.Table)
            {
                await Documents.WriteAsync(console.Out, format, Document(operatorConfig)).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            await console.Out.WriteLineAsync($"Client Version: {ProductVersion.Current}").ConfigureAwait(false);
            if (operatorConfig is null)
            {
                return ExitCodes.Ok;
            }

            await console.Out.WriteLineAsync(operatorConfig.Version is { } version
                ? $"Operator Version: {version} (ConfigMap {operatorConfig.Location})"
                : $"Operator Version: unknown ({(operatorConfig.Data is null ? operatorConfig.Unknown : $"ConfigMap {operatorConfig.Location} has no '{OperatorConfigMap.Keys.Version}' key")})").ConfigureAwait(false);
            if (operatorConfig.Version is { } other && other != ProductVersion.Current)
            {
                await console.WarnAsync($"this CLI is {ProductVersion.Current} and the operator {other}: install the matching CLI (see README: Install) or upgrade the chart").ConfigureAwait(false);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task<OperatorConfig> ReadOperatorAsync(ParseResult parse, ClusterOptions options, CliConsole console, CancellationToken ct)
    {
        var server = "the API server";
        try
        {
            using var session = ClusterSession.Open(parse.GetValue(options.Kubeconfig), parse.GetValue(options.Namespace), allNamespaces: false, OutputFormat.Table, console,
                parse.GetValue(options.OperatorNamespace));
            server = session.Server;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            return await OperatorConfig.ReadAsync(session.Api, session.OperatorNamespace, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && ClusterCommand.Describe(e, server, ct) is { } failure)
        {
            return OperatorConfig.Unreadable(failure.Message);
        }
    }

    private static JsonObject Document(OperatorConfig? operatorConfig)
    {
        var document = new JsonObject { ["clientVersion"] = ProductVersion.Current };
        if (operatorConfig is not null)
        {
            document["operator"] = operatorConfig.Data is { } data
                ? new JsonObject
                {
                    ["namespace"] = operatorConfig.Namespace,
                    ["configMap"] = OperatorConfigMap.Name,
                    ["version"] = operatorConfig.Version,
                    ["configuration"] = new JsonObject(data.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
                }
                : new JsonObject { ["version"] = null, ["unknownReason"] = operatorConfig.Unknown };
        }

        return document;
    }
}
