using System.Collections.Concurrent;
using System.Threading.Channels;
using k8s;
using k8s.Models;
using LlmKube.Api;
using LlmKube.Api.Models;
using LlmKube.Api.Services;
using LlmKube.ControllerRuntime;
using LlmKube.Core;
using LlmKube.Core.Builders;
using LlmKube.Operator.Configuration;
using LlmKube.Operator.Controllers;

namespace LlmKube.Bench.Operator;

/// <summary>
/// The baseline: a perfect operator. In the same timed window as the operator run, the bench applies the same
/// Models and InferenceServices with the same client and parallelism, and this loop does what the operator has to
/// do for them, starting on each pair as soon as it has learned of both halves from a watch of each kind, with the
/// operator's identity, client settings and worker count per controller: each Model's status; the shared claim once
/// per namespace, with its event; each Deployment and Service from the operator's builders; each service's status,
/// all as the operator writes them. It reads nothing else: no caches, no watches of its children (unless
/// <see cref="WatchesChildren"/>), no second look, no conflicts. The window ends when the same observer as in the
/// operator run sees every Deployment, Service and status as wanted. <see cref="Learning"/> says how it learns of each
/// pair.
/// </summary>
internal static class BareLoop
{
    public static async Task<WindowMeasurement> RunAsync(Workload workload)
    {
        await using var sandbox = await BenchSandbox.StartAsync(workload);
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(sandbox.OperatorKubeconfig));
        var settings = new WorkloadSettings();
        var byWatch = Learning == LearnsOfPairs.ByWatch;
        var applied = Channel.CreateUnbounded<(Model, InferenceService)>();
        var modelsReady = Channel.CreateUnbounded<(Model, InferenceService)>();
        var claims = new ConcurrentDictionary<string, Lazy<Task<V1PersistentVolumeClaim>>>();
        var workers = new ParallelOptions { MaxDegreeOfParallelism = Workers };
        var models = ResourceKind.Custom<Model>().CreateClient(client);
        var services = ResourceKind.Custom<InferenceService>().CreateClient(client);
        using var convergence = new Convergence(sandbox.Server.BaseAddress, sandbox.Server.AdminToken, workload);
        await convergence.OpenedAsync();
        // Where each watch starts, read before the window: nothing created after it is missed, however late a watch connects.
        var learnFrom = byWatch
            ? ((await models.ListAsync(new ListRequest(null, Limit: 1), default)).ResourceVersion, (await services.ListAsync(new ListRequest(null, Limit: 1), default)).ResourceVersion)
            : default;
        var learn = byWatch ? LearnAsync(models, services, learnFrom, workload.Services, applied.Writer) : Task.CompletedTask;
        var children = WatchesChildren ? await ChildWatches.OpenAsync(client, workload) : null;
        var window = await TimedWindow.OpenAsync(sandbox.Server);

        var apply = Task.Run(async () =>
        {
            try
            {
                await workload.CreateCustomResourcesAsync(sandbox.Admin, parallelism: 8, byWatch ? null : (model, service) => applied.Writer.TryWrite((model, service)));
            }
            finally
            {
                if (!byWatch)
                {
                    // Learning by watch, the watches complete the channel when every pair has arrived.
                    applied.Writer.Complete();
                }
            }
        });
        var modelController = Task.Run(async () =>
        {
            try
            {
                await Parallel.ForEachAsync(applied.Reader.ReadAllAsync(), workers, async (pair, ct) =>
                {
                    var (model, service) = pair;
                    // As the operator: the answer's resourceVersion is all that is read back, the status is the one just written.
                    var status = PerfectStatus.ForModel(model, DateTimeOffset.UtcNow);
                    await models.PatchAsync(model.Metadata.NamespaceProperty, model.Metadata.Name, PerfectStatus.Patch(status), status: true, ct);
                    modelsReady.Writer.TryWrite((new Model { Metadata = model.Metadata, Spec = model.Spec, Status = status }, service));
                });
            }
            finally
            {
                modelsReady.Writer.Complete();
            }
        });
        var serviceController = Parallel.ForEachAsync(modelsReady.Reader.ReadAllAsync(), workers, async (pair, ct) =>
        {
            var (model, service) = pair;
            var ns = service.Metadata.NamespaceProperty;
            var state = DesiredState.For(model, service, settings);
            var claim = await claims.GetOrAdd(ns, _ => new Lazy<Task<V1PersistentVolumeClaim>>(() => CreateClaimAsync(client, state, service, ct))).Value;
            var deployment = await ChildWriter.CreateDeploymentAsync(client, state.Deployment!, ns, ct);
            await client.CoreV1.CreateNamespacedServiceAsync(state.KubernetesService!, ns, cancellationToken: ct);
            await services.PatchAsync(ns, service.Metadata.Name,
                PerfectStatus.Patch(PerfectStatus.ForService(service, state, claim, deployment, DateTimeOffset.UtcNow)), status: true, ct);
        });
        await Task.WhenAll(apply, learn, modelController, serviceController, children?.AllSeen ?? Task.CompletedTask);
        await convergence.WaitAllCorrectAsync(workload, stall: TimeSpan.FromMinutes(1));
        children?.Dispose();
        var measured = window.Close();
        await PerfectStatus.CheckModelsAsync(sandbox.Admin, workload);
        return measured;
    }

    /// <summary>
    /// How the loop learns of each Model and InferenceService. By default from a watch of each kind in all namespaces,
    /// decoding every event (its own status echoes included), as any operator must: an operator runs in a process of
    /// its own and can learn of an object only from the API server (README, session 13).
    /// <c>LLMKUBE_BENCH_BARE_LEARNS=inprocess</c> hands it each pair from the bench's own create calls in the same
    /// process instead, which no operator can do: the method of sessions 1–12, kept to compare with their records.
    /// Any other value is refused.
    /// </summary>
    public static LearnsOfPairs Learning => Environment.GetEnvironmentVariable("LLMKUBE_BENCH_BARE_LEARNS") switch
    {
        null or "" or "watch" => LearnsOfPairs.ByWatch,
        "inprocess" => LearnsOfPairs.InProcess,
        var other => throw new ArgumentException($"LLMKUBE_BENCH_BARE_LEARNS={other}: use watch (the default) or inprocess"),
    };

    /// <summary>
    /// <c>LLMKUBE_BENCH_BARE_WATCHES_CHILDREN=1</c>: the loop also keeps a store of the Deployments, Services and claims
    /// it writes, from watches with the operator's selectors (<see cref="ChildWatches"/>), as a level-triggered operator
    /// must to see drift and deletions. Off by default: the recorded ratios compare with a loop that writes only
    /// (README, session 16). Any value other than 1 or 0 is refused.
    /// </summary>
    public static bool WatchesChildren => Environment.GetEnvironmentVariable("LLMKUBE_BENCH_BARE_WATCHES_CHILDREN") switch
    {
        null or "" or "0" => false,
        "1" => true,
        var other => throw new ArgumentException($"LLMKUBE_BENCH_BARE_WATCHES_CHILDREN={other}: use 1 or 0 (the default)"),
    };

    /// <summary>
    /// Reconciles in flight per kind: what the operator runs with, its default <c>--workers</c> or the value given in
    /// <c>LLMKUBE_BENCH_OPERATOR_ARGS</c>, so that both sides overlap the same number of writes (README, session 19).
    /// <c>LLMKUBE_BENCH_BARE_WORKERS=N</c> sets it apart from the operator's. Anything but a whole number from 1 to 64 is
    /// refused, as the operator refuses it.
    /// </summary>
    public static int Workers => (Environment.GetEnvironmentVariable("LLMKUBE_BENCH_BARE_WORKERS") ?? OperatorWorkersFlag()) switch
    {
        null or "" => new OperatorOptions().Workers,
        var text when int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 64 => n,
        var other => throw new ArgumentException($"{other}: the bare loop's workers (LLMKUBE_BENCH_BARE_WORKERS, or --workers in LLMKUBE_BENCH_OPERATOR_ARGS) must be a whole number from 1 to 64"),
    };

    private static string? OperatorWorkersFlag()
    {
        var flags = BenchOperator.ExtraFlags;
        var at = Array.LastIndexOf(flags, "--workers");
        return at >= 0 && at + 1 < flags.Length ? flags[at + 1] : null;
    }

    /// <summary>Pairs each Model with its InferenceService as both arrive (ADDED), until the workload's every pair has.</summary>
    private static async Task LearnAsync(IResourceClient<Model> models, IResourceClient<InferenceService> services,
        (string? Models, string? Services) from, int expected, ChannelWriter<(Model, InferenceService)> learned)
    {
        var halves = new ConcurrentDictionary<(string, string), object>();
        var paired = 0;
        using var stop = new CancellationTokenSource();
        void Arrived(object half, V1ObjectMeta meta)
        {
            var key = (meta.NamespaceProperty, meta.Name);
            while (!halves.TryAdd(key, half))
            {
                if (halves.TryRemove(key, out var other))
                {
                    learned.TryWrite(half is Model model ? (model, (InferenceService)other) : ((Model)other, (InferenceService)half));
                    if (Interlocked.Increment(ref paired) == expected)
                    {
                        learned.Complete();
                        stop.Cancel();
                    }

                    return;
                }
            }
        }

        async Task WatchAsync<T>(IResourceClient<T> client, string? resourceVersion)
            where T : class, IKubernetesObject<V1ObjectMeta>
        {
            try
            {
                await foreach (var (type, obj) in client.WatchAsync(new WatchRequest(null, resourceVersion, AllowBookmarks: false), e => throw e, stop.Token))
                {
                    if (type == WatchEventType.Added)
                    {
                        Arrived(obj, obj.Metadata);
                    }
                }

                throw new InvalidOperationException($"the watch of {client.Resource} ended after {paired} of {expected} pairs");
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        }

        try
        {
            await Task.WhenAll(WatchAsync(models, from.Models), WatchAsync(services, from.Services));
        }
        catch (Exception e)
        {
            learned.TryComplete(e);
            throw;
        }
    }

    /// <summary>The shared claim and the Normal event the operator records when it creates one.</summary>
    private static async Task<V1PersistentVolumeClaim> CreateClaimAsync(Kubernetes client, DesiredState state, InferenceService service, CancellationToken ct)
    {
        var wanted = state.Claim!;
        var ns = service.Metadata.NamespaceProperty;
        var claim = await client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(wanted, ns, cancellationToken: ct);
        var now = DateTime.UtcNow;
        await client.CoreV1.CreateNamespacedEventAsync(new Corev1Event
        {
            ApiVersion = "v1",
            Kind = "Event",
            Metadata = new V1ObjectMeta { Name = $"{service.Metadata.Name}.{Guid.NewGuid():N}", NamespaceProperty = ns },
            InvolvedObject = new V1ObjectReference { ApiVersion = service.ApiVersion, Kind = service.Kind, Name = service.Metadata.Name, NamespaceProperty = ns, Uid = service.Metadata.Uid, ResourceVersion = service.Metadata.ResourceVersion },
            Type = "Normal",
            Reason = Reasons.ModelCacheClaimCreated,
            Message = $"created PersistentVolumeClaim {wanted.Metadata.Name} ({state.Plan.ToStatus().Volume} model cache)",
            Count = 1,
            FirstTimestamp = now,
            LastTimestamp = now,
            Source = new V1EventSource { Component = "llmkube-controller", Host = Environment.MachineName },
            ReportingComponent = "llmkube-controller",
            ReportingInstance = Environment.MachineName,
        }, ns, cancellationToken: ct);
        return claim;
    }
}

/// <summary>How the bare loop learns of each pair (<see cref="BareLoop.Learning"/>).</summary>
internal enum LearnsOfPairs
{
    /// <summary>From a watch of Models and one of InferenceServices, as any operator must.</summary>
    ByWatch,

    /// <summary>From the bench's create calls in the same process (sessions 1–12).</summary>
    InProcess,
}
