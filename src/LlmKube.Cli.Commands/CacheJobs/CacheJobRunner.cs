using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using LlmKube.Cli.Cluster;
using LlmKube.ControllerRuntime;

namespace LlmKube.Cli.CacheJobs;

/// <summary>What a cache Job produced: the container's exit code and termination message, or why there is none.</summary>
/// <param name="Unschedulable">No node can run the Job's pod (the cluster said so): nothing was read or changed.</param>
internal sealed record CacheJobResult(string JobName, int? ExitCode, string? Message, string? Problem, bool TimedOut, bool Unschedulable = false)
{
    public bool Finished => ExitCode is not null;
}

/// <summary>
/// Creates a cache Job, waits (polling, with the deadline of the request) for its pod's container to terminate, reads
/// the termination message from the pod's status (no pods/log access needed), and always deletes the Job (its pod
/// goes with it). It never touches the claim object.
/// </summary>
internal sealed class CacheJobRunner(IKubernetes client)
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);

    private static readonly HashSet<string> Hopeless = new(StringComparer.Ordinal)
    {
        "ErrImagePull", "ImagePullBackOff", "InvalidImageName", "CreateContainerConfigError", "CreateContainerError",
    };

    public async Task<CacheJobResult> RunAsync(CacheJobRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var job = await client.BatchV1.CreateNamespacedJobAsync(CacheJobSpec.Build(request), request.Namespace, fieldManager: KubeApi.FieldManager, cancellationToken: ct).ConfigureAwait(false);
        var name = job.Metadata.Name;
        try
        {
            return await WaitAsync(request, job, ct).ConfigureAwait(false);
        }
        finally
        {
            await DeleteAsync(request.Namespace, name).ConfigureAwait(false);
        }
    }

    private async Task<CacheJobResult> WaitAsync(CacheJobRequest request, V1Job job, CancellationToken ct)
    {
        var name = job.Metadata.Name;
        var started = DateTime.UtcNow;
        var deadline = started + request.Timeout;
        var selector = $"batch.kubernetes.io/controller-uid={job.Metadata.Uid}";
        V1Pod? pod = null;
        while (true)
        {
            var pods = await client.CoreV1.ListNamespacedPodAsync(request.Namespace, labelSelector: selector, cancellationToken: ct).ConfigureAwait(false);
            pod = pods.Items.OrderByDescending(p => p.Metadata.CreationTimestamp).FirstOrDefault();
            var container = pod?.Status?.ContainerStatuses?.FirstOrDefault(c => c.Name == CacheJobSpec.ContainerName);
            if (container?.State?.Terminated is { } terminated)
            {
                return new CacheJobResult(name, terminated.ExitCode, terminated.Message, null, false);
            }

            if (container?.State?.Waiting is { } waiting && Hopeless.Contains(waiting.Reason ?? ""))
            {
                return new CacheJobResult(name, null, null,
                    $"its container cannot start: {waiting.Reason}: {waiting.Message} (image {request.Image}; pass another with --fetcher-image)", false);
            }

            var current = await NotFound.OrNullAsync(() => client.BatchV1.ReadNamespacedJobAsync(name, request.Namespace, cancellationToken: ct)).ConfigureAwait(false);
            if (current?.Status?.Conditions?.FirstOrDefault(c => c.Type == "Failed" && c.Status == "True") is { } failed && container?.State?.Terminated is null)
            {
                return new CacheJobResult(name, null, null, $"the Job failed: {failed.Reason}: {failed.Message}", false);
            }

            if (pod?.Status?.Conditions?.FirstOrDefault(c => c is { Type: "PodScheduled", Status: "False", Reason: "Unschedulable" }) is { } unschedulable)
            {
                // The scheduler found no node for it; waiting out the timeout would only repeat that.
                return new CacheJobResult(name, null, null, $"the cache Job could not be scheduled: {unschedulable.Message}", false, Unschedulable: true);
            }

            if (DateTime.UtcNow >= deadline)
            {
                return new CacheJobResult(name, null, null, $"it did not finish within {Durations.Format(request.Timeout)}: {Stuck(pod)}", true);
            }

            await Task.Delay(Interval, ct).ConfigureAwait(false);
        }
    }

    /// <summary>What the pod was doing when time ran out, from its status: scheduling, mounting, pulling.</summary>
    private static string Stuck(V1Pod? pod)
    {
        if (pod is null)
        {
            return "no pod was created for it (check the Job's events and the namespace's quota)";
        }

        var waiting = pod.Status?.ContainerStatuses?.Select(c => c.State?.Waiting).FirstOrDefault(w => w is not null);
        if (waiting is not null)
        {
            return $"its pod is waiting: {waiting.Reason}: {waiting.Message}";
        }

        var unscheduled = pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled" && c.Status == "False");
        return unscheduled is not null
            ? $"its pod was not scheduled: {unscheduled.Reason}: {unscheduled.Message}"
            : $"its pod is {pod.Status?.Phase ?? "Pending"} (for example a ReadWriteOnce claim attached to another node, or a slow volume attach)";
    }

    private async Task DeleteAsync(string ns, string name)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await client.BatchV1.DeleteNamespacedJobAsync(name, ns, propagationPolicy: "Background", cancellationToken: timeout.Token).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException or OperationCanceledException)
        {
            // It deletes itself ttlSecondsAfterFinished after finishing; nothing else to do.
        }
    }
}
