using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using k8s;
using k8s.Models;
using LlmKube.Tests.Shared;

namespace LlmKube.Cli.Tests.Cluster;

/// <summary>One cache Job as the stand-in kubelet ran it.</summary>
public sealed record JobRun(V1Job Job, string Namespace, string Claim, IReadOnlyList<string> Args, int ExitCode, string Message);

/// <summary>
/// Acts as the kubelet for the CLI's cache Jobs (the sandbox runs no pods): when a Job appears, it runs the real
/// <c>llmkube-fetch</c> with the Job's arguments on a directory that stands for the claim, gives the Job's pod the
/// resulting termination message (cut at 4096 bytes, as the kubelet does) and marks the Job complete or failed
/// through the API. With <see cref="Stalled"/> it leaves Jobs alone, as a cluster where the pod never starts.
/// </summary>
/// <param name="sandboxSchedules">
/// The sandbox plays the Job controller and the scheduler (<c>sandbox up</c>): this kubelet registers its Node and runs
/// the pods bound to it. Otherwise it also creates each Job's pod, as a Job controller would.
/// </param>
public sealed class FakeKubelet(IKubernetes client, string claimsRoot, bool sandboxSchedules = false) : IAsyncDisposable
{
    public const string NodeName = "sandbox-node";

    private const int KubeletMessageLimit = 4096;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, bool> _seen = new();
    private readonly ConcurrentQueue<V1Job> _jobs = new();
    private readonly ConcurrentQueue<JobRun> _runs = new();
    private Task? _loop;

    public static string FetcherDll => LlmKube.Tests.Shared.BuiltExecutables.FetcherDll;

    /// <summary>Jobs are seen and recorded but never run (their pods "stay Pending").</summary>
    public bool Stalled { get; set; }

    public IReadOnlyList<V1Job> Jobs => _jobs.ToList();

    public IReadOnlyList<JobRun> Runs => _runs.ToList();

    /// <summary>The directory that stands for a claim's volume (created on first use).</summary>
    public string ClaimDirectory(string ns, string claim)
    {
        var path = Path.Combine(claimsRoot, ns, claim);
        Directory.CreateDirectory(path);
        return path;
    }

    public void Start() => _loop = Task.Run(async () =>
    {
        if (sandboxSchedules)
        {
            await client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = NodeName } }, cancellationToken: _stop.Token);
        }

        await LoopAsync(_stop.Token);
    });

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await (_loop ?? Task.CompletedTask);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task LoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var jobs = await client.BatchV1.ListJobForAllNamespacesAsync(labelSelector: "app.kubernetes.io/component=cache-job", cancellationToken: ct);
                foreach (var job in jobs.Items.Where(j => _seen.TryAdd(j.Metadata.Uid, true)))
                {
                    _jobs.Enqueue(job);
                    if (!Stalled)
                    {
                        await RunAsync(job, ct);
                    }
                }
            }
            catch (Exception e) when (e is k8s.Autorest.HttpOperationException or HttpRequestException)
            {
                // A Job deleted between list and run, or the server stopping: try again.
            }

            await Task.Delay(50, ct);
        }
    }

    private async Task RunAsync(V1Job job, CancellationToken ct)
    {
        var ns = job.Metadata.NamespaceProperty;
        var podSpec = job.Spec.Template.Spec;
        var claim = podSpec.Volumes.Single().PersistentVolumeClaim.ClaimName;
        var container = podSpec.Containers.Single();
        var mount = container.VolumeMounts.Single();
        var args = container.Args.Select(a => a == mount.MountPath ? ClaimDirectory(ns, claim) : a).ToList();
        var pod = sandboxSchedules ? await ScheduledPodAsync(job, ct) : await CreatePodAsync(job, ct);
        var terminationLog = Path.Combine(claimsRoot, $"termination-{Guid.NewGuid():N}");
        var (exitCode, _) = await RunFetcherAsync([.. args, "--termination-log", terminationLog], ct);
        var message = File.Exists(terminationLog) ? await File.ReadAllTextAsync(terminationLog, ct) : "";
        File.Delete(terminationLog);
        if (Encoding.UTF8.GetByteCount(message) > KubeletMessageLimit)
        {
            message = Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(message)[..KubeletMessageLimit]);
        }

        _runs.Enqueue(new JobRun(job, ns, claim, container.Args.ToList(), exitCode, message));
        var now = DateTime.UtcNow;
        pod.Spec.NodeName = NodeName;
        pod.Status = new V1PodStatus
        {
            Phase = exitCode == 0 ? "Succeeded" : "Failed",
            ContainerStatuses =
            [
                new V1ContainerStatus
                {
                    Name = container.Name, Image = container.Image, ImageID = "", Ready = false, RestartCount = 0,
                    State = new V1ContainerState
                    {
                        Terminated = new V1ContainerStateTerminated { ExitCode = exitCode, Message = message, Reason = exitCode == 0 ? "Completed" : "Error", StartedAt = now, FinishedAt = now },
                    },
                },
            ],
        };
        await client.CoreV1.ReplaceNamespacedPodStatusAsync(pod, pod.Metadata.Name, ns, cancellationToken: ct);
        var current = await client.BatchV1.ReadNamespacedJobAsync(job.Metadata.Name, ns, cancellationToken: ct);
        current.Status = new V1JobStatus
        {
            StartTime = now,
            CompletionTime = exitCode == 0 ? now : null,
            Succeeded = exitCode == 0 ? 1 : 0,
            Failed = exitCode == 0 ? 0 : 1,
            Conditions = [new V1JobCondition { Type = exitCode == 0 ? "Complete" : "Failed", Status = "True", Reason = exitCode == 0 ? null : "BackoffLimitExceeded", LastTransitionTime = now }],
        };
        await client.BatchV1.ReplaceNamespacedJobStatusAsync(current, current.Metadata.Name, ns, cancellationToken: ct);
    }

    // As the Job controller would: the pod exists (Pending) before anything runs in it.
    private Task<V1Pod> CreatePodAsync(V1Job job, CancellationToken ct) => client.CoreV1.CreateNamespacedPodAsync(new V1Pod
    {
        Metadata = new V1ObjectMeta
        {
            Name = $"{job.Metadata.Name}-{Guid.NewGuid().ToString("N")[..5]}",
            Labels = job.Spec.Template.Metadata.Labels,
            OwnerReferences = [new V1OwnerReference { ApiVersion = "batch/v1", Kind = "Job", Name = job.Metadata.Name, Uid = job.Metadata.Uid, BlockOwnerDeletion = true, Controller = true }],
        },
        Spec = job.Spec.Template.Spec,
    }, job.Metadata.NamespaceProperty, cancellationToken: ct);

    // The sandbox's scheduler binds the Job's pod to this kubelet's Node.
    private async Task<V1Pod> ScheduledPodAsync(V1Job job, CancellationToken ct) => (await Eventually.ThatAsync(
        async () => (await client.CoreV1.ListNamespacedPodAsync(job.Metadata.NamespaceProperty, labelSelector: $"batch.kubernetes.io/controller-uid={job.Metadata.Uid}", cancellationToken: ct)).Items.SingleOrDefault(),
        pod => pod?.Spec.NodeName == NodeName,
        $"the pod of Job {job.Metadata.Name} bound to {NodeName}"))!;

    /// <summary>Runs the built llmkube-fetch (the same program the fetcher image runs).</summary>
    public static async Task<(int ExitCode, string Stdout)> RunFetcherAsync(IEnumerable<string> args, CancellationToken ct = default)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(FetcherDll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        _ = await stderr;
        return (process.ExitCode, await stdout);
    }
}
