using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using LlmKube.Contracts;
using LlmKube.ControllerRuntime;
using LlmKube.Core.Configuration;
using Microsoft.Extensions.Logging;

namespace LlmKube.Operator.Hosting;

/// <summary>What publishing the configuration did.</summary>
public enum PublishOutcome
{
    Unchanged,
    Created,
    Updated,
}

/// <summary>
/// Writes the operator's configuration into <see cref="OperatorConfigMap"/> in its namespace at start-up: created when
/// missing, replaced when it says something else, left alone (a single GET) when it already says this. It is
/// information for the CLI, so a failure (no RBAC yet, the API server not up) is logged once per distinct reason and
/// retried with backoff while the operator runs; it never stops the operator.
/// </summary>
public sealed class ConfigurationPublisher(IKubernetes client, string namespaceName, PublishedConfiguration configuration, ILogger logger, TimeProvider time)
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LastRetry = TimeSpan.FromMinutes(5);

    public string Namespace => namespaceName;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var delay = FirstRetry;
        string? reported = null;
        while (true)
        {
            string problem;
            try
            {
                var outcome = await PublishAsync(cancellationToken).ConfigureAwait(false);
                logger.LogInformation("Operator configuration {Outcome} in ConfigMap {Namespace}/{Name}", outcome, namespaceName, OperatorConfigMap.Name);
                return;
            }
            catch (HttpOperationException e) when (!cancellationToken.IsCancellationRequested)
            {
                problem = $"{(int)e.Response.StatusCode} {e.Response.StatusCode}: {StatusMessage(e.Response.Content)}";
            }
            catch (HttpRequestException e) when (!cancellationToken.IsCancellationRequested)
            {
                problem = e.Message;
            }

            if (problem != reported)
            {
                // The reason, not a stack trace: this is the cluster's state, not a bug.
                logger.LogWarning("Cannot publish the operator configuration in ConfigMap {Namespace}/{Name}: {Problem}; retrying (llmkube status reports the configuration as unknown meanwhile)",
                    namespaceName, OperatorConfigMap.Name, problem);
                reported = problem;
            }

            await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, LastRetry.Ticks));
        }
    }

    /// <summary>One round: read, then create or replace only when the ConfigMap differs. A lost race reads again.</summary>
    public async Task<PublishOutcome> PublishAsync(CancellationToken cancellationToken)
    {
        var data = configuration.ToData();
        for (var attempt = 0; ; attempt++)
        {
            var live = await NotFound.OrNullAsync(() => client.CoreV1.ReadNamespacedConfigMapAsync(OperatorConfigMap.Name, namespaceName, cancellationToken: cancellationToken)).ConfigureAwait(false);
            try
            {
                if (live is null)
                {
                    await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
                    {
                        Metadata = new V1ObjectMeta { Name = OperatorConfigMap.Name, NamespaceProperty = namespaceName, Labels = new Dictionary<string, string>(OperatorConfigMap.Labels) },
                        Data = data,
                    }, namespaceName, cancellationToken: cancellationToken).ConfigureAwait(false);
                    return PublishOutcome.Created;
                }

                var labels = live.Metadata.Labels ?? new Dictionary<string, string>();
                if (SameData(live.Data, data) && OperatorConfigMap.Labels.All(l => labels.TryGetValue(l.Key, out var value) && value == l.Value))
                {
                    return PublishOutcome.Unchanged;
                }

                foreach (var (key, value) in OperatorConfigMap.Labels)
                {
                    labels[key] = value;
                }

                live.Metadata.Labels = labels;
                live.Data = data;
                await client.CoreV1.ReplaceNamespacedConfigMapAsync(live, OperatorConfigMap.Name, namespaceName, cancellationToken: cancellationToken).ConfigureAwait(false);
                return PublishOutcome.Updated;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict && attempt < 5)
            {
                // Another replica wrote it meanwhile: look again.
            }
        }
    }

    private static string StatusMessage(string? content)
    {
        try
        {
            return JsonNode.Parse(content ?? "")?["message"]?.GetValue<string>() ?? content ?? "";
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return content ?? "";
        }
    }

    private static bool SameData(IDictionary<string, string>? live, Dictionary<string, string> wanted) =>
        live is not null && live.Count == wanted.Count && wanted.All(kv => live.TryGetValue(kv.Key, out var value) && value == kv.Value);
}
