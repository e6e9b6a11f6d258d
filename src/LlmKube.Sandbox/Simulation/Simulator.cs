using System.Threading.Channels;
using LlmKube.Sandbox.Api;
using LlmKube.Sandbox.Json;
using LlmKube.Sandbox.Storage;
using Microsoft.Extensions.Logging;

namespace LlmKube.Sandbox.Simulation;

/// <summary>
/// Optional stand-ins for a dynamic provisioner (bind each new PVC), for the deployment controller and
/// kubelet (report each Deployment ready after a spec change) and for the Job controller and the scheduler (give each
/// Job a pod, see <see cref="Control.JobPods"/>). Reacts to the store's change feed after
/// <see cref="SimulationOptions.Delay"/>.
/// </summary>
internal sealed class Simulator
{
    private readonly SimulationOptions _options;
    private readonly SandboxControl _control;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<WatchEvent> _changes = Channel.CreateUnbounded<WatchEvent>(new UnboundedChannelOptions { SingleReader = true });

    public Simulator(SimulationOptions options, ObjectStore store, SandboxControl control, TimeProvider time, ILogger logger)
    {
        _options = options;
        _control = control;
        _time = time;
        _logger = logger;
        if (options.PvcBinding || options.Deployments || options.Jobs)
        {
            store.AddListener(_changes.Writer);
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (await _changes.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (_changes.Reader.TryRead(out var change))
                {
                    if (Action(change) is { } action)
                    {
                        _ = RunLaterAsync(action, cancellationToken);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private Action? Action(WatchEvent change)
    {
        if (change.Type == WatchEventType.Deleted || change.Object.IsDeleting)
        {
            return null;
        }

        var obj = change.Object;
        switch (change.StorageKey)
        {
            case "batch/jobs" when _options.Jobs && change.Type == WatchEventType.Added:
                return () => _control.StartJob(obj.Namespace, obj.Name);
            case "/persistentvolumeclaims" when _options.PvcBinding && change.Type == WatchEventType.Added:
                return () => _control.BindClaim(obj.Namespace, obj.Name);
            case "apps/deployments" when _options.Deployments:
                var generation = JsonUtil.Long(obj.Object, "metadata", "generation");
                var observed = JsonUtil.Long(obj.Object, "status", "observedGeneration");
                var wanted = JsonUtil.Long(obj.Object, "spec", "replicas") ?? 1;
                var ready = JsonUtil.Long(obj.Object, "status", "readyReplicas") ?? 0;
                return generation != observed || wanted != ready
                    ? () => _control.SetDeploymentStatus(obj.Namespace, obj.Name, new DeploymentStatusUpdate())
                    : null;
            default:
                return null;
        }
    }

    private async Task RunLaterAsync(Action action, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(_options.Delay, _time, cancellationToken).ConfigureAwait(false);
            action();
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
        catch (Exception e) when (e is KeyNotFoundException or ApiException)
        {
            _logger.LogDebug("Simulation step skipped: {Message}", e.Message);
        }
    }
}
