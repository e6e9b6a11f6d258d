using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using LlmKube.ControllerRuntime;
using LlmKube.Core;
using LlmKube.Core.Builders;
using LlmKube.Operator.Configuration;
using LlmKube.Operator.Controllers;

namespace LlmKube.Bench.Operator;

/// <summary>
/// Watches Deployments and Services (no repeated lists, which would load the server during the measurement) until
/// every service has its Service and a Deployment equal to what the builders want. The observer shares the machine
/// with what it measures, so it stays cheap: the wanted specs are built before the clock starts, and watch events
/// are read as JSON trees and compared as such, without typed models (an earlier typed watcher took about a quarter
/// of the bench process's CPU in the timed window).
/// </summary>
internal sealed class Convergence : IDisposable
{
    private readonly ConcurrentDictionary<(string, string), bool> _deployments = new();
    private readonly ConcurrentDictionary<(string, string), bool> _services = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<(string, string), JsonNode?> _wanted;
    private readonly HttpClient _http;
    private readonly Task _watchers;

    public Convergence(Uri server, string token, Workload workload)
    {
        var options = new WorkloadSettings();
        _wanted = workload.ServiceKeys.ToDictionary(key => key, key => KubernetesJsonNodes.ToNode(
            DesiredState.For(Workload.ReadyModelFor(key.Namespace, key.Name), Workload.ServiceFor(key.Namespace, key.Name), options).Deployment!.Spec));
        _http = new HttpClient { BaseAddress = server, Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        _watchers = Task.WhenAll(
            WatchAsync("apis/apps/v1/deployments?watch=true", (key, obj) => _deployments[key] = _wanted.TryGetValue(key, out var wanted) && JsonSubset.Contains(obj["spec"], wanted)),
            WatchAsync("api/v1/services?watch=true", (key, _) => _services[key] = true));
    }

    public async Task WaitAllCorrectAsync(Workload workload, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (workload.ServiceKeys.Any(k => !_deployments.GetValueOrDefault(k) || !_services.ContainsKey(k)))
        {
            if (DateTime.UtcNow > deadline || _watchers.IsFaulted)
            {
                throw new TimeoutException("not converged", _watchers.Exception);
            }

            await Task.Delay(50);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
        _http.Dispose();
    }

    /// <summary>Reads a watch stream line by line and hands each added or modified object to <paramref name="seen"/>.</summary>
    private async Task WatchAsync(string path, Action<(string, string), JsonObject> seen)
    {
        try
        {
            using var response = await _http.GetAsync(new Uri(path, UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, _stop.Token).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(_stop.Token).ConfigureAwait(false));
            while (await reader.ReadLineAsync(_stop.Token).ConfigureAwait(false) is { } line)
            {
                if (line.Length == 0 || JsonNode.Parse(line) is not JsonObject e || e["object"] is not JsonObject obj
                    || (string?)e["type"] is not ("ADDED" or "MODIFIED"))
                {
                    continue;
                }

                seen(((string)obj["metadata"]!["namespace"]!, (string)obj["metadata"]!["name"]!), obj);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }
}
