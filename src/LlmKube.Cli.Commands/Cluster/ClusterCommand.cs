using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using k8s.Autorest;
using LlmKube.Cli.Output;
using LlmKube.Cli.SandboxUp;

namespace LlmKube.Cli.Cluster;

/// <summary>
/// Runs a cluster command's action with a connected <see cref="ClusterSession"/>, and turns every expected failure
/// into one line <c>error: …</c> that names what to do, with the exit code of <see cref="ExitCodes"/>.
/// </summary>
internal static class ClusterCommand
{
    public delegate Task<int> Action(ClusterSession session, ParseResult parse, CancellationToken ct);

    public static void SetClusterAction(this Command command, ClusterOptions options, CliEnvironment environment, Action action)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        command.SetAction(async (parse, ct) =>
        {
            var console = environment.ConsoleFor(parse);
            var server = "the API server";
            try
            {
                var all = options.AllNamespaces is { } allOption && parse.GetValue(allOption);
                using var session = ClusterSession.Open(parse.GetValue(options.Kubeconfig), parse.GetValue(options.Namespace), all, Documents.Parse(parse.GetValue(options.Output)), console,
                    parse.GetValue(options.OperatorNamespace));
                server = session.Server;
                return await action(session, parse, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (Describe(e, server, ct) is { } failure)
            {
                await console.ErrorLineAsync(failure.Message).ConfigureAwait(false);
                return failure.ExitCode;
            }
        });
    }

    /// <summary>The user-facing failure for an exception, or null for a bug (left to CliApp: exit 70).</summary>
    public static CliException? Describe(Exception e, string server, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e switch
        {
            CliException cli => cli,
            HttpOperationException http => FromStatus(http, server),
            HttpRequestException request => new CliException(ExitCodes.Cluster,
                $"cannot reach {server}: {Innermost(request)}: check that the cluster (or llmkube sandbox) is running and that --kubeconfig points to it"),
            SocketException socket => new CliException(ExitCodes.Cluster, $"cannot reach {server}: {socket.Message}: check that the cluster is running"),
            OperationCanceledException when ct.IsCancellationRequested => new CliException(ExitCodes.Interrupted, "interrupted (cache Jobs started by this command were deleted)"),
            OperationCanceledException => new CliException(ExitCodes.Cluster,
                $"{server} did not answer in time: check the cluster's health and your connection, then try again"),
            k8s.Exceptions.KubeConfigException config => new CliException(ExitCodes.Cluster, $"kubeconfig: {config.Message}: fix it or pass another --kubeconfig"),
            _ => null,
        };
    }

    private static CliException FromStatus(HttpOperationException e, string server)
    {
        var message = ManifestApplier.StatusMessage(e);
        return e.Response.StatusCode switch
        {
            HttpStatusCode.Unauthorized => new CliException(ExitCodes.Cluster, $"{server} did not accept the kubeconfig's credentials ({message}): log in again or pass another --kubeconfig"),
            HttpStatusCode.Forbidden => new CliException(ExitCodes.Cluster, $"forbidden: {message}: ask your cluster admin for that permission or use another --kubeconfig"),
            HttpStatusCode.NotFound => CliException.NotFound(message),
            HttpStatusCode.Conflict => CliException.Refused($"{message}: it changed or exists already; run the command again or pick another name"),
            HttpStatusCode.UnprocessableEntity or HttpStatusCode.BadRequest => CliException.Usage($"the API server rejected it: {message}"),
            _ => new CliException(ExitCodes.Cluster, $"{server} answered {(int)e.Response.StatusCode}: {message}: try again, or check the API server's health"),
        };
    }

    private static string Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e.Message;
    }
}
