using System.Text;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmKube.ControllerRuntime;

/// <summary>
/// Wires informers, controllers, the event recorder, leader election and the health/ready/metrics endpoints.
/// Informers run in every replica (so caches are warm and <c>/readyz</c> is true on standbys too); controllers
/// run only in the leader (or always, without leader election).
/// </summary>
public sealed class Manager : IAsyncDisposable
{
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, object> _informers = new(StringComparer.Ordinal);
    private readonly List<IInformer> _informerList = [];
    private readonly List<Controller> _controllers = [];

    // One table for all of this manager's informers: a Deployment's and a Pod's containers repeat the same parts.
    private readonly SharedParts _sharedParts = new();
    private readonly bool _ownsClient;
    private readonly bool _ownsMetrics;
    private readonly Lazy<EventRecorder> _events;
    private LeaderElectionRunner? _election;
    private volatile bool _running;
    private volatile bool _faulted;
    private int _started;

    /// <summary>Creates a manager with its own client, whose API requests are counted in <see cref="Metrics"/>.</summary>
    public Manager(KubernetesClientConfiguration config, ManagerOptions? options = null, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
        : this(null, config, options, loggerFactory, timeProvider)
    {
    }

    /// <summary>Creates a manager over an existing client (API requests are counted only if it was built with
    /// an <see cref="ApiRequestMetricsHandler"/> over <paramref name="metrics"/>).</summary>
    public Manager(IKubernetes client, ManagerOptions? options = null, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null, RuntimeMetrics? metrics = null)
        : this(client ?? throw new ArgumentNullException(nameof(client)), null, options, loggerFactory, timeProvider, metrics)
    {
    }

    private Manager(IKubernetes? client, KubernetesClientConfiguration? config, ManagerOptions? options, ILoggerFactory? loggerFactory, TimeProvider? timeProvider, RuntimeMetrics? metrics = null)
    {
        Options = options ?? new ManagerOptions();
        _loggers = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggers.CreateLogger("LlmKube.ControllerRuntime.Manager");
        _time = timeProvider ?? TimeProvider.System;
        _ownsMetrics = metrics is null;
        Metrics = metrics ?? new RuntimeMetrics();
        if (client == null)
        {
            ArgumentNullException.ThrowIfNull(config);
            client = new Kubernetes(config, new ApiRequestMetricsHandler(Metrics));
            _ownsClient = true;
        }

        Client = client;
        _events = new Lazy<EventRecorder>(() => new EventRecorder(Client, Options.Events, _loggers.CreateLogger("LlmKube.ControllerRuntime.Events"), _time, Metrics));
    }

    /// <summary>The settings.</summary>
    public ManagerOptions Options { get; }

    /// <summary>The Kubernetes client (for writes; read through informer caches).</summary>
    public IKubernetes Client { get; }

    /// <summary>This manager's metrics.</summary>
    public RuntimeMetrics Metrics { get; }

    /// <summary>The event recorder (created on first use).</summary>
    public EventRecorder Events => _events.Value;

    /// <summary>Controllers added so far.</summary>
    public IReadOnlyList<Controller> Controllers => _controllers;

    /// <summary>Informers created so far.</summary>
    public IReadOnlyList<IInformer> Informers => _informerList;

    /// <summary>Why this process cannot read or write its leader Lease, or null (no election, or no failure).</summary>
    public LeaseFailure? LeaderElectionFailure => _election?.Failure;

    /// <summary>Whether this process leads (always true without leader election, once running).</summary>
    public bool IsLeader => Options.LeaderElection.Enabled ? _election?.IsLeader == true : _running;

    /// <summary>Every informer has synced.</summary>
    public bool IsReady => _running && _informerList.All(i => i.HasSynced);

    /// <summary>Bound port of the health endpoints, once started.</summary>
    public int? HealthPort { get; private set; }

    /// <summary>Bound port of the metrics endpoint, once started.</summary>
    public int? MetricsPort { get; private set; }

    /// <summary>The typed client for a resource kind.</summary>
    public IResourceClient<T> ClientFor<T>(ResourceKind<T> kind)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(kind);
        return kind.CreateClient(Client);
    }

    /// <summary>
    /// The shared informer for <paramref name="kind"/> (one per kind and label selector), scoped to the manager's
    /// namespace unless the kind is cluster-scoped. Create informers before <see cref="RunAsync"/>. A
    /// <paramref name="transform"/> shapes what the cache keeps (see <see cref="Informer{T}"/>); asking again for the
    /// same kind and selector with another transform is an error, as the cache is shared.
    /// </summary>
    public Informer<T> Informer<T>(ResourceKind<T> kind, string? labelSelector = null, Func<T, T>? transform = null)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(kind);
        var id = $"{kind.Resource.Name}|{labelSelector}";
        lock (_informers)
        {
            if (_informers.TryGetValue(id, out var existing))
            {
                var shared = (Informer<T>)existing;
                return Equals(shared.Transform, transform)
                    ? shared
                    : throw new InvalidOperationException($"the informer for {kind.Resource.Name} with selector '{labelSelector}' already exists with another transform");
            }

            if (Volatile.Read(ref _started) != 0)
            {
                throw new InvalidOperationException("create informers before the manager starts");
            }

            var options = Options.Informers with
            {
                Namespace = kind.Resource.Namespaced ? Options.Namespace : null,
                LabelSelector = labelSelector ?? Options.Informers.LabelSelector,
            };
            var informer = new Informer<T>(kind.CreateClient(Client), options, _loggers.CreateLogger($"LlmKube.ControllerRuntime.Informer.{kind.Resource.Name}"), _time, Metrics, _sharedParts, transform);
            _informers[id] = informer;
            _informerList.Add(informer);
            return informer;
        }
    }

    /// <summary>Adds a controller; configure its watches with <see cref="Controller.For{T}"/> and friends.</summary>
    public Controller AddController(string name, IReconciler reconciler, ControllerOptions? options = null)
    {
        if (Volatile.Read(ref _started) != 0)
        {
            throw new InvalidOperationException("add controllers before the manager starts");
        }

        var controller = new Controller(name, reconciler, options, _loggers.CreateLogger($"LlmKube.ControllerRuntime.Controller.{name}"), _time, Metrics);
        _controllers.Add(controller);
        return controller;
    }

    /// <summary>Completes once every informer has synced.</summary>
    public async Task WaitForReadyAsync(CancellationToken cancellationToken)
    {
        foreach (var i in _informerList.ToArray())
        {
            await i.WaitForSyncAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs until cancelled: endpoints, informers, and controllers (under leader election when enabled).
    /// On cancellation controllers stop first (in-flight reconciles are cancelled and awaited), then informers.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("a manager runs once");
        }

        var servers = new List<ProbeServer>();
        using var informersCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var informerTasks = new List<Task>();
        try
        {
            await StartServersAsync(servers, cancellationToken).ConfigureAwait(false);
            _running = true;
            foreach (var informer in _informerList)
            {
                informerTasks.Add(Task.Run(() => informer.RunAsync(informersCts.Token), CancellationToken.None));
            }

            if (Options.LeaderElection.Enabled)
            {
                // The caller decides the namespace (the operator: its own); there is no guess here that could differ.
                var ns = Options.LeaderElection.LeaseNamespace
                    ?? throw new InvalidOperationException("LeaderElection.LeaseNamespace is required when leader election is enabled");
                _election = new LeaderElectionRunner(Client, Options.LeaderElection, ns, _loggers.CreateLogger("LlmKube.ControllerRuntime.LeaderElection"), Metrics, _time);
                await _election.RunAsync(RunControllersAsync, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await RunControllersAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            _faulted = true;
            _logger.LogCritical(e, "Manager failed");
            throw;
        }
        finally
        {
            await informersCts.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(informerTasks).ConfigureAwait(false);
            if (_events.IsValueCreated)
            {
                await _events.Value.DisposeAsync().ConfigureAwait(false);
            }

            foreach (var s in servers)
            {
                await s.DisposeAsync().ConfigureAwait(false);
            }

            _running = false;
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        if (_ownsClient)
        {
            Client.Dispose();
        }

        if (_ownsMetrics)
        {
            Metrics.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private async Task RunControllersAsync(CancellationToken ct)
    {
        // Every cache first (client-go's WaitForCacheSync): no reconcile sees a half-listed cache (it would create
        // children that exist), and start-up lists do not compete with reconciles for CPU.
        try
        {
            await WaitForReadyAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return;
        }

        await Task.WhenAll(_controllers.Select(c => Task.Run(() => c.RunAsync(ct), CancellationToken.None))).ConfigureAwait(false);

        // Controllers return only when cancelled; a manager without controllers still serves until then.
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task StartServersAsync(List<ProbeServer> servers, CancellationToken ct)
    {
        var health = Options.HealthPort;
        var metrics = Options.MetricsPort;
        if (health is { } hp)
        {
            var shared = metrics == hp && hp != 0;
            var server = await ProbeServer.StartAsync(Options.BindAddress, hp, app =>
            {
                ProbeServer.MapProbes(app, () => _running && !_faulted, ReadyDetail);
                if (shared)
                {
                    ProbeServer.MapMetrics(app, Metrics);
                }
            }, ct).ConfigureAwait(false);
            servers.Add(server);
            HealthPort = server.Port;
            if (shared)
            {
                MetricsPort = server.Port;
                return;
            }
        }

        if (metrics is { } mp)
        {
            var server = await ProbeServer.StartAsync(Options.BindAddress, mp, app => ProbeServer.MapMetrics(app, Metrics), ct).ConfigureAwait(false);
            servers.Add(server);
            MetricsPort = server.Port;
        }
    }

    private (bool Ready, string Detail) ReadyDetail()
    {
        var sb = new StringBuilder();
        var ready = _running;
        foreach (var i in _informerList.ToArray())
        {
            sb.Append(i.Resource.Name).Append(i.Namespace is { } ns ? " in " + ns : string.Empty)
              .Append(i.HasSynced ? ": synced\n" : ": not synced\n");
            ready &= i.HasSynced;
        }

        if (_election is { } election)
        {
            // Readiness stays informer-only: a failing election must not take the pod out of the metrics Service,
            // where the failure counter and master status are what alerts read.
            sb.Append("leader: ").Append(election.IsLeader ? $"yes (lease {election.Lease})"
                : election.Failure is { } f ? $"no: cannot acquire lease {election.Lease}: {f.Reason}: {f.Message}; {f.Hint} ({f.Attempts} failed attempts since {f.Since:O})"
                : $"no (standby; lease {election.Lease} held by {election.Leader ?? "nobody yet"})").Append('\n');
        }

        return (ready, sb.ToString());
    }
}
