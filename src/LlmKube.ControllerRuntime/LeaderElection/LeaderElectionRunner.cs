using System.Text.Json.Nodes;
using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using Microsoft.Extensions.Logging;

namespace LlmKube.ControllerRuntime;

/// <summary>
/// Runs work only while this process holds the Lease, using KubernetesClient's <see cref="LeaderElector"/> and
/// <see cref="LeaseLock"/>. KubernetesClient does not stop your work when the lease is lost; this runner does:
/// <c>OnStoppedLeading</c> cancels the term's token, the runner waits until the work has returned (workers
/// drained), and only then campaigns again. Because the old leader gives up after <c>RenewDeadline</c> (10 s)
/// while others must wait <c>LeaseDuration</c> (15 s), two leaders never write at the same time as long as
/// the work honours its cancellation token. Every failed request on the Lease is recorded (<see cref="Failure"/>,
/// the log and <c>llmkube_leader_election_failures_total</c>); <c>leader_election_master_status</c> follows the term.
/// </summary>
public sealed class LeaderElectionRunner
{
    private readonly IKubernetes _client;
    private readonly LeaderElectionOptions _options;
    private readonly string _namespace;
    private readonly ILogger _logger;
    private readonly RuntimeMetrics? _metrics;
    private readonly LeaseAttempts _attempts;
    private volatile bool _leading;
    private volatile string? _leader;

    /// <summary>Creates a runner.</summary>
    public LeaderElectionRunner(IKubernetes client, LeaderElectionOptions options, string leaseNamespace, ILogger logger,
        RuntimeMetrics? metrics = null, TimeProvider? timeProvider = null)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        ArgumentException.ThrowIfNullOrEmpty(leaseNamespace);
        _namespace = leaseNamespace;
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _metrics = metrics;
        _attempts = new LeaseAttempts(leaseNamespace, options.LeaseName, logger, timeProvider ?? TimeProvider.System, metrics);
        _metrics?.LeaderStatus(options.LeaseName, false);
    }

    /// <summary>The Lease, as <c>namespace/name</c>.</summary>
    public string Lease => $"{_namespace}/{_options.LeaseName}";

    /// <summary>Why the last requests on the Lease failed, or null when the last one succeeded.</summary>
    public LeaseFailure? Failure => _attempts.Failure;

    /// <summary>Raised with true when this process starts leading and false when it stops.</summary>
    public event Action<bool>? LeadingChanged;

    /// <summary>Whether this process currently leads.</summary>
    public bool IsLeader => _leading;

    /// <summary>The identity of the last observed leader (from the elector, else from the last Lease read).</summary>
    public string? Leader => _leader ?? (_attempts.Holder is { Length: > 0 } holder ? holder : null);

    /// <summary>Campaigns until cancelled; runs <paramref name="whileLeading"/> for each term.</summary>
    public async Task RunAsync(Func<CancellationToken, Task> whileLeading, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(whileLeading);
        while (!cancellationToken.IsCancellationRequested)
        {
            await RunTermAsync(whileLeading, cancellationToken).ConfigureAwait(false);
            if (!cancellationToken.IsCancellationRequested)
            {
                _logger.LogWarning("Leadership lost; workers stopped; campaigning again");
                try
                {
                    await Task.Delay(_options.RetryPeriod, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task RunTermAsync(Func<CancellationToken, Task> whileLeading, CancellationToken ct)
    {
        var leaseLock = _attempts.Lock(_client, _options.Identity);
        var config = new LeaderElectionConfig(leaseLock)
        {
            LeaseDuration = _options.LeaseDuration,
            RenewDeadline = _options.RenewDeadline,
            RetryPeriod = _options.RetryPeriod,
        };
        using var elector = new LeaderElector(config);
        using var term = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Task? work = null;
        var workLock = new object();
        elector.OnStartedLeading += () =>
        {
            _logger.LogInformation("Became leader ({Identity}) of lease {Namespace}/{Lease}", _options.Identity, _namespace, _options.LeaseName);
            lock (workLock)
            {
                _leading = true;
                work = Task.Run(() => whileLeading(term.Token), CancellationToken.None);
            }

            _metrics?.LeaderStatus(_options.LeaseName, true);
            LeadingChanged?.Invoke(true);
        };
        elector.OnStoppedLeading += () =>
        {
            lock (workLock)
            {
                _leading = false;
                term.Cancel();
            }

            _metrics?.LeaderStatus(_options.LeaseName, false);
            LeadingChanged?.Invoke(false);
        };
        elector.OnNewLeader += id =>
        {
            _leader = id;
            _logger.LogInformation("Leader is now {Leader}", id);
        };
        // Failures are recorded (and logged, rate-limited) by the lease lock; this only adds detail at debug level.
        elector.OnError += e => _logger.LogDebug("Leader election: {Error}", ApiErrors.Describe(e) ?? e.Message);

        try
        {
            await elector.RunUntilLeadershipLostAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            _logger.LogWarning(ApiErrors.StackWorthy(e), "Leader election round failed: {Error}", ApiErrors.Describe(e) ?? e.Message);
        }

        Task? toAwait;
        lock (workLock)
        {
            _leading = false;
            term.Cancel();
            toAwait = work;
        }

        if (toAwait != null)
        {
            try
            {
                await toAwait.ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _logger.LogError(e, "Work of the leader term failed");
            }

            if (ct.IsCancellationRequested && _options.ReleaseOnCancel)
            {
                await ReleaseAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task ReleaseAsync()
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            var lease = await _client.CoordinationV1.ReadNamespacedLeaseAsync(_options.LeaseName, _namespace, cancellationToken: cts.Token).ConfigureAwait(false);
            if (lease.Spec?.HolderIdentity != _options.Identity)
            {
                return;
            }

            // An empty holder (not a missing one: KubernetesClient's elector would then try to create the Lease) lets
            // the next candidate take over at once. The resourceVersion makes it a no-op if someone else took over.
            var patch = new JsonObject
            {
                ["metadata"] = new JsonObject { ["resourceVersion"] = lease.Metadata.ResourceVersion },
                ["spec"] = new JsonObject { ["holderIdentity"] = string.Empty },
            };
            await _client.CoordinationV1.PatchNamespacedLeaseAsync(PatchHelper<k8s.Models.V1Lease>.MergePatch(patch), _options.LeaseName, _namespace, cancellationToken: cts.Token).ConfigureAwait(false);
            _logger.LogInformation("Released lease {Namespace}/{Lease}", _namespace, _options.LeaseName);
        }
        catch (Exception e)
        {
            _logger.LogDebug("Releasing the lease failed ({Error}); others take over after the lease duration", ApiErrors.Describe(e) ?? e.Message);
        }
    }
}
