using System.Net;
using k8s;
using k8s.Autorest;
using k8s.LeaderElection.ResourceLock;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace LlmKube.ControllerRuntime;

/// <summary>Why the last attempts to read, create or renew the leader Lease failed.</summary>
/// <param name="Reason">NamespaceNotFound, Forbidden, Unauthorized, Unreachable, ServerError or Other.</param>
/// <param name="Message">The API server's message (or the transport error), one line.</param>
/// <param name="Hint">What to do about it.</param>
/// <param name="Since">When the first of the consecutive failures happened.</param>
/// <param name="Attempts">Consecutive failed attempts.</param>
public sealed record LeaseFailure(string Reason, string Message, string Hint, DateTimeOffset Since, int Attempts)
{
    /// <summary>Classifies a failed Lease request in <paramref name="leaseNamespace"/>; null when it is part of a normal
    /// election (409: another candidate wrote first; 404 on read: the Lease does not exist yet).</summary>
    public static (string Reason, string Message, string Hint)? Classify(Exception e, string leaseNamespace, bool read)
    {
        ArgumentNullException.ThrowIfNull(e);
        var message = ApiErrors.Describe(e) ?? e.Message;
        return e switch
        {
            HttpOperationException { Response.StatusCode: HttpStatusCode.Conflict } => null,
            HttpOperationException { Response.StatusCode: HttpStatusCode.NotFound } when read => null,
            HttpOperationException { Response.StatusCode: HttpStatusCode.NotFound } => ("NamespaceNotFound", message,
                $"namespace {leaseNamespace} does not exist: create it, or run the operator in an existing namespace (POD_NAMESPACE from the downward API, or --leader-election-namespace)"),
            HttpOperationException { Response.StatusCode: HttpStatusCode.Forbidden } => ("Forbidden", message,
                $"grant the operator's service account get, create and update on leases.coordination.k8s.io in namespace {leaseNamespace} (the chart's leader-election Role)"),
            HttpOperationException { Response.StatusCode: HttpStatusCode.Unauthorized } => ("Unauthorized", message, "the API server rejected the operator's credentials"),
            HttpOperationException http when (int)http.Response.StatusCode >= 500 => ("ServerError", message, "the API server failed; retrying"),
            HttpOperationException => ("Other", message, "retrying"),
            HttpRequestException or IOException or TaskCanceledException => ("Unreachable", message, "the API server is unreachable; retrying"),
            _ => ("Other", message, "retrying"),
        };
    }
}

/// <summary>
/// Records every request the leader elector makes on the Lease. KubernetesClient's elector swallows the errors of
/// creating and renewing the Lease (and of reading it, except 404), so without this an operator whose Lease
/// namespace is missing or whose RBAC lacks leases never leads and never says why. Each failure is counted in
/// <c>llmkube_leader_election_failures_total{reason}</c>, kept for <c>/readyz</c> and logged: the first one, a
/// change of reason, and then at most once per <see cref="LogEvery"/> with the number of attempts in between.
/// </summary>
internal sealed class LeaseAttempts
{
    public static readonly TimeSpan LogEvery = TimeSpan.FromMinutes(1);

    private readonly string _namespace;
    private readonly string _lease;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly RuntimeMetrics? _metrics;
    private readonly object _lock = new();
    private LeaseFailure? _failure;
    private volatile string? _holder;
    private DateTimeOffset _loggedAt;
    private int _loggedAttempts;

    public LeaseAttempts(string leaseNamespace, string lease, ILogger logger, TimeProvider time, RuntimeMetrics? metrics)
    {
        _namespace = leaseNamespace;
        _lease = lease;
        _logger = logger;
        _time = time;
        _metrics = metrics;
    }

    /// <summary>The current run of failures, or null when the last request succeeded.</summary>
    public LeaseFailure? Failure
    {
        get
        {
            lock (_lock)
            {
                return _failure;
            }
        }
    }

    /// <summary>The holder of the Lease as last read or written (empty once released), or null before any answer.</summary>
    public string? Holder => _holder;

    /// <summary>A <see cref="LeaseLock"/> whose requests are recorded here.</summary>
    public LeaseLock Lock(IKubernetes client, string identity) => new RecordingLeaseLock(client, _namespace, _lease, identity, this);

    private async Task<T> RecordAsync<T>(Func<Task<T>> request, bool read)
    {
        try
        {
            var result = await request().ConfigureAwait(false);
            if (result is V1Lease lease)
            {
                _holder = lease.Spec?.HolderIdentity ?? string.Empty;
            }

            Succeeded();
            return result;
        }
        catch (Exception e) when (e is not OperationCanceledException || e is TaskCanceledException { InnerException: TimeoutException })
        {
            // A normal outcome of an election (another candidate wrote first, no Lease yet) changes nothing.
            if (LeaseFailure.Classify(e, _namespace, read) is { } failure)
            {
                Failed(failure.Reason, failure.Message, failure.Hint);
            }

            throw;
        }
    }

    private void Succeeded()
    {
        LeaseFailure? ended;
        lock (_lock)
        {
            ended = _failure;
            _failure = null;
        }

        if (ended is not null)
        {
            _logger.LogInformation("Leader Lease {Namespace}/{Lease} is usable again after {Attempts} failed attempts ({Reason})", _namespace, _lease, ended.Attempts, ended.Reason);
        }
    }

    private void Failed(string reason, string message, string hint)
    {
        _metrics?.LeaderElectionFailed(_lease, reason);
        var now = _time.GetUtcNow();
        LeaseFailure failure;
        bool log;
        int since;
        lock (_lock)
        {
            var same = _failure is { } f && f.Reason == reason;
            failure = _failure = same
                ? _failure! with { Message = message, Attempts = _failure.Attempts + 1 }
                : new LeaseFailure(reason, message, hint, now, 1);
            log = !same || now - _loggedAt >= LogEvery;
            since = failure.Attempts - (same ? _loggedAttempts : 0);
            if (log)
            {
                _loggedAt = now;
                _loggedAttempts = failure.Attempts;
            }
        }

        if (log)
        {
            _logger.LogWarning("Cannot acquire or renew the leader Lease {Namespace}/{Lease}: {Reason}: {Error}; {Hint} ({Attempts} failed attempts since {Since:O}, {New} since the last report)",
                _namespace, _lease, reason, message, hint, failure.Attempts, failure.Since, since);
        }
    }

    private sealed class RecordingLeaseLock(IKubernetes client, string ns, string name, string identity, LeaseAttempts attempts)
        : LeaseLock(client, ns, name, identity)
    {
        protected override Task<V1Lease> ReadMetaObjectAsync(IKubernetes client, string name, string namespaceParameter, CancellationToken cancellationToken) =>
            attempts.RecordAsync(() => base.ReadMetaObjectAsync(client, name, namespaceParameter, cancellationToken), read: true);

        protected override Task<V1Lease> CreateMetaObjectAsync(IKubernetes client, V1Lease obj, string namespaceParameter, CancellationToken cancellationToken) =>
            attempts.RecordAsync(() => base.CreateMetaObjectAsync(client, obj, namespaceParameter, cancellationToken), read: false);

        protected override Task<V1Lease> ReplaceMetaObjectAsync(IKubernetes client, V1Lease obj, string name, string namespaceParameter, CancellationToken cancellationToken) =>
            attempts.RecordAsync(() => base.ReplaceMetaObjectAsync(client, obj, name, namespaceParameter, cancellationToken), read: false);
    }
}
