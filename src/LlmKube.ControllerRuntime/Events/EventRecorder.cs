using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmKube.ControllerRuntime;

/// <summary>
/// Writes core/v1 Events (what <c>kubectl describe</c> and <c>kubectl get events</c> show) in the background.
/// <list type="bullet">
/// <item>Never fails a reconcile: <see cref="Record"/> only enqueues; write errors are logged and counted.</item>
/// <item>No duplicates: an event equal to any event recorded for the object within <see cref="EventRecorderOptions.DedupWindow"/>
/// is not written, so an unchanged situation re-reconciled writes nothing, even when it raises several warnings.</item>
/// <item>Aggregation: a repeat after the window patches the existing Event's <c>count</c> and <c>lastTimestamp</c>
/// instead of creating a new one.</item>
/// <item>Rate limit: a per-object token bucket (burst 25, one token per 5 minutes by default).</item>
/// </list>
/// </summary>
public sealed class EventRecorder : IEventRecorder, IAsyncDisposable
{
    private const int MaxWrittenPerObject = 32;
    private readonly IKubernetes _client;
    private readonly EventRecorderOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly RuntimeMetrics? _metrics;
    private readonly Channel<WorkItem> _channel;
    private readonly object _lock = new();
    private readonly Dictionary<string, LinkedListNode<ObjectState>> _objects = new(StringComparer.Ordinal);
    private readonly LinkedList<ObjectState> _lru = new();
    private readonly Task _writer;

    // Attribute lookups construct the attribute each time; a recorder sees a handful of kinds.
    private readonly ConcurrentDictionary<Type, KubernetesEntityAttribute?> _entities = new();

    /// <summary>Creates the recorder and starts its background writer.</summary>
    public EventRecorder(IKubernetes client, EventRecorderOptions? options = null, ILogger? logger = null,
        TimeProvider? timeProvider = null, RuntimeMetrics? metrics = null)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _options = options ?? new EventRecorderOptions();
        _logger = logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _metrics = metrics;
        _channel = Channel.CreateBounded<WorkItem>(new BoundedChannelOptions(_options.BufferSize) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <inheritdoc/>
    public void Record(IKubernetesObject<V1ObjectMeta> regarding, string type, string reason, string message, string? action = null)
    {
        try
        {
            RecordCore(regarding, type, reason, message, action);
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "Could not record event {Reason}", reason);
        }
    }

    /// <summary>Waits until every event recorded so far has been written (or failed).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _channel.Writer.WriteAsync(new WorkItem(null!, null!, done), cancellationToken).ConfigureAwait(false);
        await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    private void RecordCore(IKubernetesObject<V1ObjectMeta> regarding, string type, string reason, string message, string? action)
    {
        ArgumentNullException.ThrowIfNull(regarding);
        var reference = Reference(regarding);
        var objectId = string.IsNullOrEmpty(reference.Uid) ? $"{reference.Kind}/{reference.NamespaceProperty}/{reference.Name}" : reference.Uid;
        var identity = new EventIdentity(type, reason, message);
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            var state = Track(objectId);
            if (state.Recorded.TryGetValue(identity, out var recordedAt) && now - recordedAt < _options.DedupWindow)
            {
                _metrics?.Event("suppressed");
                return;
            }

            if (!state.TakeToken(now, _options))
            {
                _metrics?.Event("dropped");
                _logger.LogDebug("Event {Reason} on {Object} dropped by the per-object rate limit", reason, reference.Name);
                return;
            }

            if (state.Recorded.Count >= MaxWrittenPerObject)
            {
                state.Recorded.Clear();
            }

            state.Recorded[identity] = now;
            if (!_channel.Writer.TryWrite(new WorkItem(new Pending(reference, identity, action, now), state, null)))
            {
                _metrics?.Event("dropped");
            }
        }
    }

    private ObjectState Track(string objectId)
    {
        if (_objects.TryGetValue(objectId, out var node))
        {
            _lru.Remove(node);
            _lru.AddFirst(node);
            return node.Value;
        }

        var state = new ObjectState(_options.BurstPerObject);
        _objects[objectId] = _lru.AddFirst(state);
        state.Id = objectId;
        while (_objects.Count > _options.MaxTrackedObjects && _lru.Last is { } last)
        {
            _lru.RemoveLast();
            _objects.Remove(last.Value.Id);
        }

        return state;
    }

    private async Task WriteLoopAsync()
    {
        await foreach (var item in _channel.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            if (item.Flush != null)
            {
                item.Flush.TrySetResult();
                continue;
            }

            try
            {
                await WriteAsync(item.Event, item.State).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                _metrics?.Event("failed");
                _logger.LogWarning(ApiErrors.StackWorthy(e), "Writing event {Reason} for {Kind} {Name} failed: {Error}", item.Event.Identity.Reason, item.Event.Regarding.Kind, item.Event.Regarding.Name, ApiErrors.Describe(e) ?? e.Message);
            }
        }
    }

    private async Task WriteAsync(Pending e, ObjectState state)
    {
        var ns = string.IsNullOrEmpty(e.Regarding.NamespaceProperty) ? "default" : e.Regarding.NamespaceProperty;
        var stamp = new DateTime(e.At.UtcDateTime.Ticks - (e.At.UtcDateTime.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
        Written? previous;
        lock (_lock)
        {
            state.Written.TryGetValue(e.Identity, out previous);
        }

        if (previous != null)
        {
            var count = previous.Count + 1;
            var patch = new JsonObject { ["count"] = count, ["lastTimestamp"] = stamp.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) };
            try
            {
                await _client.CoreV1.PatchNamespacedEventAsync(PatchHelper<Corev1Event>.MergePatch(patch), previous.Name, ns).ConfigureAwait(false);
                lock (_lock)
                {
                    state.Written[e.Identity] = previous with { Count = count };
                }

                _metrics?.Event("patched");
                return;
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
            {
                // The old Event expired; create a fresh one.
            }
        }

        var name = $"{e.Regarding.Name}.{(e.At.ToUnixTimeMilliseconds() * 1_000_000L) + Random.Shared.Next(1_000_000):x}";
        var ev = new Corev1Event
        {
            ApiVersion = "v1",
            Kind = "Event",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
            InvolvedObject = e.Regarding,
            Type = e.Identity.Type,
            Reason = e.Identity.Reason,
            Message = e.Identity.Message,
            Action = e.Action,
            Count = 1,
            FirstTimestamp = stamp,
            LastTimestamp = stamp,
            Source = new V1EventSource { Component = _options.Component, Host = _options.Instance },
            ReportingComponent = _options.Component,
            ReportingInstance = _options.Instance,
        };
        await _client.CoreV1.CreateNamespacedEventAsync(ev, ns).ConfigureAwait(false);
        lock (_lock)
        {
            if (state.Written.Count >= MaxWrittenPerObject)
            {
                state.Written.Clear();
            }

            state.Written[e.Identity] = new Written(name, 1);
        }

        _metrics?.Event("created");
    }

    private V1ObjectReference Reference(IKubernetesObject<V1ObjectMeta> obj)
    {
        var type = obj.GetType();
        var attr = _entities.GetOrAdd(type, static t => t.GetCustomAttributes(typeof(KubernetesEntityAttribute), true).OfType<KubernetesEntityAttribute>().FirstOrDefault());
        var apiVersion = !string.IsNullOrEmpty(obj.ApiVersion) ? obj.ApiVersion
            : attr == null ? null : string.IsNullOrEmpty(attr.Group) ? attr.ApiVersion : attr.Group + "/" + attr.ApiVersion;
        return new V1ObjectReference
        {
            ApiVersion = apiVersion,
            Kind = !string.IsNullOrEmpty(obj.Kind) ? obj.Kind : attr?.Kind ?? type.Name,
            Name = obj.Metadata?.Name,
            NamespaceProperty = obj.Metadata?.NamespaceProperty,
            Uid = obj.Metadata?.Uid,
            ResourceVersion = obj.Metadata?.ResourceVersion,
        };
    }

    private sealed record EventIdentity(string Type, string Reason, string Message);

    private sealed record Pending(V1ObjectReference Regarding, EventIdentity Identity, string? Action, DateTimeOffset At);

    private sealed record Written(string Name, int Count);

    private sealed record WorkItem(Pending Event, ObjectState State, TaskCompletionSource? Flush);

    private sealed class ObjectState(int burst)
    {
        private double _tokens = burst;
        private DateTimeOffset _refilledAt = DateTimeOffset.MinValue;

        public string Id { get; set; } = string.Empty;

        /// <summary>When each distinct event was last recorded (the de-duplication memory).</summary>
        public Dictionary<EventIdentity, DateTimeOffset> Recorded { get; } = [];

        public Dictionary<EventIdentity, Written> Written { get; } = [];

        public bool TakeToken(DateTimeOffset now, EventRecorderOptions o)
        {
            if (_refilledAt != DateTimeOffset.MinValue && o.RefillInterval > TimeSpan.Zero)
            {
                _tokens = Math.Min(o.BurstPerObject, _tokens + ((now - _refilledAt) / o.RefillInterval));
            }

            _refilledAt = now;
            if (_tokens < 1)
            {
                return false;
            }

            _tokens -= 1;
            return true;
        }
    }
}
