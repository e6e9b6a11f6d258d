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
/// the work honours its cancellation token.
/// </summary>
public sealed class LeaderElectionRunner
{
    private readonly IKubernetes _client;
    private readonly LeaderElectionOptions _options;
    private readonly string _namespace;
    private readonly ILogger _logger;
    private volatile bool _leading;
    private volatile string? _leader;

    /// <summary>Creates a runner.</summary>
    public LeaderElectionRunner(IKubernetes client, LeaderElectionOptions options, string leaseNamespace, ILogger logger)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _namespace = leaseNamespace;
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>Raised with true when this process starts leading and false when it stops.</summary>
    public event Action<bool>? LeadingChanged;

    /// <summary>Whether this process currently leads.</summary>
    public bool IsLeader => _leading;

    /// <summary>The identity of the last observed leader.</summary>
    public string? Leader => _leader;

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
        var leaseLock = new LeaseLock(_client, _namespace, _options.LeaseName, _options.Identity);
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

            LeadingChanged?.Invoke(true);
        };
        elector.OnStoppedLeading += () =>
        {
            lock (workLock)
            {
                _leading = false;
                term.Cancel();
            }

            LeadingChanged?.Invoke(false);
        };
        elector.OnNewLeader += id =>
        {
            _leader = id;
            _logger.LogInformation("Leader is now {Leader}", id);
        };
        elector.OnError += e => _logger.LogDebug(e, "Leader election error");

        try
        {
            await elector.RunUntilLeadershipLostAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "Leader election failed");
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
            _logger.LogDebug(e, "Releasing the lease failed; others take over after the lease duration");
        }
    }
}
