using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using LlmKube.Api;
using LlmKube.Api.Services;
using LlmKube.ControllerRuntime;
using LlmKube.Core;
using LlmKube.Core.Builders;
using LlmKube.Operator.Configuration;
using LlmKube.Operator.Controllers;

namespace LlmKube.Bench.Operator;

/// <summary>
/// Watches Deployments, Services and InferenceServices (no repeated lists, which would load the server during the
/// measurement) until every service has its Service, a Deployment equal to what the builders want and the status the
/// operator writes (<see cref="PerfectStatus"/>): the end of the timed window, the same for the bare loop and the operator. The observer shares the machine
/// with what it measures, so it stays cheap: the wanted specs are built before the clock starts, and watch events
/// are read as JSON trees and compared as such, without typed models (an earlier typed watcher took about a quarter
/// of the bench process's CPU in the timed window).
/// </summary>
internal sealed class Convergence : IDisposable
{
    private readonly ConcurrentDictionary<(string, string), bool> _deployments = new();
    private readonly ConcurrentDictionary<(string, string), bool> _services = new();
    private readonly ConcurrentDictionary<(string, string), bool> _statuses = new();
    private readonly ConcurrentDictionary<(string, string), JsonNode?> _lastStatus = new();
    private readonly TaskCompletionSource[] _opened = [new(TaskCreationOptions.RunContinuationsAsynchronously), new(TaskCreationOptions.RunContinuationsAsynchronously), new(TaskCreationOptions.RunContinuationsAsynchronously)];
    private long _events;
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<(string, string), JsonNode?> _wanted;
    private readonly Dictionary<(string, string), JsonNode?> _wantedStatus;
    private readonly HttpClient _http;
    private readonly Task _watchers;

    public Convergence(Uri server, string token, Workload workload)
    {
        var options = new WorkloadSettings();
        var states = workload.ServiceKeys.ToDictionary(key => key, key =>
        {
            var service = Workload.ServiceFor(key.Namespace, key.Name);
            service.Metadata.Generation = 1;
            var state = DesiredState.For(Workload.ReadyModelFor(key.Namespace, key.Name), service, options);
            return (Service: service, State: state);
        });
        _wanted = states.ToDictionary(kv => kv.Key, kv => KubernetesJsonNodes.ToNode(kv.Value.State.Deployment!.Spec));
        _wantedStatus = states.ToDictionary(kv => kv.Key, kv => PerfectStatus.Timeless(
            PerfectStatus.ForService(kv.Value.Service, kv.Value.State, kv.Value.State.Claim, null, DateTimeOffset.UnixEpoch)));
        _http = new HttpClient { BaseAddress = server, Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        _watchers = Task.WhenAll(
            WatchAsync("apis/apps/v1/deployments?watch=true&allowWatchBookmarks=true", _opened[0], (key, obj) => _deployments[key] = _wanted.TryGetValue(key, out var wanted) && JsonSubset.Contains(obj["spec"], wanted)),
            WatchAsync("api/v1/services?watch=true&allowWatchBookmarks=true", _opened[1], (key, _) => _services[key] = true),
            WatchAsync($"apis/{ApiGroup.Group}/{ApiGroup.Version}/{InferenceService.Plural}?watch=true&allowWatchBookmarks=true", _opened[2],
                (key, obj) =>
                {
                    _lastStatus[key] = obj["status"];
                    _statuses[key] = _wantedStatus.TryGetValue(key, out var wanted) && PerfectStatus.Matches(obj["status"], wanted);
                }));
    }

    /// <summary>Completes when the server has answered every watch (so their requests fall before the timed window);
    /// the sandbox sends the headers with the first event, which with bookmarks asked for comes at once.</summary>
    public Task OpenedAsync() => Task.WhenAny(Task.WhenAll(_opened.Select(o => o.Task)), _watchers).Unwrap();

    /// <summary>Waits until everything is as wanted; fails when nothing new was seen for <paramref name="stall"/>.</summary>
    public async Task WaitAllCorrectAsync(Workload workload, TimeSpan stall)
    {
        var (seen, since) = (Interlocked.Read(ref _events), DateTime.UtcNow);
        while (workload.ServiceKeys.Any(k => !_deployments.GetValueOrDefault(k) || !_services.ContainsKey(k) || !_statuses.GetValueOrDefault(k)))
        {
            if (Interlocked.Read(ref _events) != seen)
            {
                (seen, since) = (Interlocked.Read(ref _events), DateTime.UtcNow);
            }

            if (DateTime.UtcNow - since > stall || _watchers.IsFaulted)
            {
                var keys = workload.ServiceKeys.ToList();
                var wrong = keys.FirstOrDefault(k => !_statuses.GetValueOrDefault(k));
                throw new TimeoutException($"not converged: Deployments correct {keys.Count(k => _deployments.GetValueOrDefault(k))}, Services {keys.Count(_services.ContainsKey)}, statuses as wanted {keys.Count(k => _statuses.GetValueOrDefault(k))} of {keys.Count}"
                    + (wrong == default ? "" : $"; {wrong} has status {_lastStatus.GetValueOrDefault(wrong)?.ToJsonString()}, wanted (times aside) {_wantedStatus[wrong]?.ToJsonString()}"), _watchers.Exception);
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
    private async Task WatchAsync(string path, TaskCompletionSource opened, Action<(string, string), JsonObject> seen)
    {
        try
        {
            using var response = await _http.GetAsync(new Uri(path, UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, _stop.Token).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(_stop.Token).ConfigureAwait(false));
            while (await reader.ReadLineAsync(_stop.Token).ConfigureAwait(false) is { } line)
            {
                opened.TrySetResult();
                if (line.Length == 0 || JsonNode.Parse(line) is not JsonObject e || e["object"] is not JsonObject obj
                    || (string?)e["type"] is not ("ADDED" or "MODIFIED"))
                {
                    continue;
                }

                seen(((string)obj["metadata"]!["namespace"]!, (string)obj["metadata"]!["name"]!), obj);
                Interlocked.Increment(ref _events);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }
}
