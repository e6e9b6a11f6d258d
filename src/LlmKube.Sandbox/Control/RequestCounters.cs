using System.Collections.Concurrent;

namespace LlmKube.Sandbox.Control;

/// <summary>Counts Kubernetes API requests by user, verb, group, resource, subresource, namespace and status code.</summary>
internal sealed class RequestCounters
{
    private readonly ConcurrentDictionary<(string User, string Verb, string Group, string Resource, string Subresource, string Namespace, int Code), long> _counts = new();

    public void Record(string user, string verb, string group, string resource, string subresource, string ns, int code) =>
        _counts.AddOrUpdate((user, verb, group, resource, subresource, ns, code), 1, (_, n) => n + 1);

    public RequestCountSnapshot Snapshot() =>
        new(_counts
            .Select(p => new RequestCount(p.Key.User, p.Key.Verb, p.Key.Group, p.Key.Resource, p.Key.Subresource, p.Key.Namespace, p.Key.Code, p.Value))
            .OrderBy(c => c.User, StringComparer.Ordinal)
            .ThenBy(c => c.Resource, StringComparer.Ordinal)
            .ThenBy(c => c.Verb, StringComparer.Ordinal)
            .ToList());

    public void Reset() => _counts.Clear();
}
