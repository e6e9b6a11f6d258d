using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using LlmKube.ControllerRuntime;
using LlmKube.ControllerRuntime.Tests.Support;
using LlmKube.Sandbox;
using LlmKube.Tests.Shared;

namespace LlmKube.ControllerRuntime.Tests.Integration;

public class ControllerTests
{
    private const string ReconcilerUser = "system:serviceaccount:ns:widget-reconciler";

    /// <summary>A write through the API; the sandbox's fault injection refuses it with a real 409, which escapes the reconcile.</summary>
    private static async Task<ReconcileResult> AnnotateAsync(Kubernetes client, ObjectKey key, CancellationToken ct)
    {
        var patch = new System.Text.Json.Nodes.JsonObject
        {
            ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["annotations"] = new System.Text.Json.Nodes.JsonObject { ["demo.llmkube.dev/claimed"] = "yes" } },
        };
        await client.CustomObjects.PatchNamespacedCustomObjectAsync(PatchHelper<Widget>.MergePatch(patch), "demo.llmkube.dev", "v1", key.Namespace, "widgets", key.Name, cancellationToken: ct);
        return ReconcileResult.Done;
    }

    private static async Task<(Informer<Widget> Informer, Task Run, CancellationTokenSource Cts)> StartInformer(TestCluster cluster)
    {
        var informer = new Informer<Widget>(Widget.Descriptor.CreateClient(cluster.Client), new InformerOptions { ResyncPeriod = null });
        var cts = new CancellationTokenSource();
        var run = informer.RunAsync(cts.Token);
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        return (informer, run, cts);
    }

    [Fact]
    public async Task Errors_are_retried_with_back_off_a_done_key_waits_for_a_change_and_keys_never_run_concurrently()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.CreateWidgetAsync(Widget.New("ns", "flaky"));
        await cluster.CreateWidgetAsync(Widget.New("ns", "broken"));
        await cluster.CreateWidgetAsync(Widget.New("ns", "conflicted"));
        var (informer, informerRun, informerCts) = await StartInformer(cluster);

        // The reconciler writes as its own user; the sandbox answers that user's updates, patches and deletes
        // with 409 Conflict (the test's admin client is spared).
        using var reconcilerClient = new Kubernetes(cluster.ConfigFor(ReconcilerUser));
        cluster.Control.Faults = new FaultSettings { ConflictRate = 1, IncludeAdmin = false, Seed = 1 };

        var calls = new ConcurrentDictionary<string, int>();
        var inFlight = new ConcurrentDictionary<string, int>();
        var overlaps = 0;
        var reconciler = new LambdaReconciler(async (key, ct) =>
        {
            if (inFlight.AddOrUpdate(key.Name, 1, (_, n) => n + 1) > 1)
            {
                Interlocked.Increment(ref overlaps);
            }

            try
            {
                await Task.Yield();
                var n = calls.AddOrUpdate(key.Name, 1, (_, c) => c + 1);
                return key.Name switch
                {
                    "flaky" when n <= 3 => throw new InvalidOperationException("transient " + n),
                    "conflicted" when n <= 2 => await AnnotateAsync(reconcilerClient, key, ct),
                    _ => ReconcileResult.Done,
                };
            }
            finally
            {
                inFlight.AddOrUpdate(key.Name, 0, (_, c) => c - 1);
            }
        });
        var metrics = new RuntimeMetrics();
        var controller = new Controller("widgets", reconciler, new ControllerOptions
        {
            Workers = 4,
            RateLimiter = new RateLimiterOptions { ItemBaseDelay = TimeSpan.FromMilliseconds(10), ItemMaxDelay = TimeSpan.FromMilliseconds(100) },
        }, metrics: metrics).For(informer);
        using var cts = new CancellationTokenSource();
        var run = controller.RunAsync(cts.Token);

        await Eventually.TrueAsync(() => calls.GetValueOrDefault("flaky") == 4, "flaky retried until it succeeds");
        await Eventually.TrueAsync(() => calls.GetValueOrDefault("conflicted") == 3, "conflict requeued");
        Assert.Equal(2, cluster.Requests.Count("patch", "widgets", user: ReconcilerUser, code: 409));
        Assert.Equal(1, calls.GetValueOrDefault("broken"));
        Assert.Equal(0, controller.Queue!.NumRequeues(new ObjectKey("ns", "flaky")));

        // Hammer one key with updates while it is being reconciled: never two workers on it.
        for (var i = 0; i < 30; i++)
        {
            await cluster.PatchWidgetSizeAsync("ns", "flaky", i + 10);
        }

        await Eventually.TrueAsync(() => informer.Cache.Get(new ObjectKey("ns", "flaky"))?.Spec.Size == 39, "updates seen");
        await Eventually.TrueAsync(() => controller.Queue!.Count == 0 && controller.ActiveReconciles == 0, "idle");
        Assert.Equal(0, overlaps);

        // A key that reported its problem (Done) is reconciled again when its object changes.
        await cluster.PatchWidgetSizeAsync("ns", "broken", 2);
        await Eventually.TrueAsync(() => calls.GetValueOrDefault("broken") == 2, "broken re-reconciled on change");

        using var stream = new MemoryStream();
        await metrics.ExportAsync(stream, CancellationToken.None);
        var text = System.Text.Encoding.UTF8.GetString(stream.ToArray());
        // controller-runtime's results: 3 transient errors, 2 conflicts requeued, no terminal error.
        Assert.Contains("controller_runtime_reconcile_total{controller=\"widgets\",result=\"error\"} 3", text);
        Assert.Contains("controller_runtime_reconcile_total{controller=\"widgets\",result=\"requeue\"} 2", text);
        Assert.Contains("controller_runtime_reconcile_total{controller=\"widgets\",result=\"requeue_after\"} 0", text);
        Assert.Contains("controller_runtime_reconcile_errors_total{controller=\"widgets\"} 3", text);
        Assert.Contains("controller_runtime_terminal_reconcile_errors_total{controller=\"widgets\"} 0", text);
        Assert.Contains("controller_runtime_active_workers{controller=\"widgets\"} 0", text);
        Assert.Contains("llmkube_reconcile_total{controller=\"widgets\",result=\"error\"} 3", text);
        Assert.Contains("workqueue_retries_total{name=\"widgets\",controller=\"widgets\"} 5", text);

        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Null(controller.Queue);
        await informerCts.CancelAsync();
        await informerRun;
        informerCts.Dispose();
    }

    [Fact]
    public async Task RequeueAfter_reconciles_again_after_the_delay_and_deleted_objects_are_reconciled_once_more()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.CreateWidgetAsync(Widget.New("ns", "poll"));
        var (informer, informerRun, informerCts) = await StartInformer(cluster);
        var calls = new ConcurrentQueue<(ObjectKey Key, bool Exists)>();
        var controller = new Controller("widgets", new LambdaReconciler((key, ct) =>
        {
            var exists = informer.Cache.Get(key) != null;
            calls.Enqueue((key, exists));
            return Task.FromResult(exists ? ReconcileResult.RequeueAfter(TimeSpan.FromMilliseconds(50)) : ReconcileResult.Done);
        })).For(informer);
        using var cts = new CancellationTokenSource();
        var run = controller.RunAsync(cts.Token);
        await Eventually.TrueAsync(() => calls.Count(c => c.Exists) >= 3, "periodic requeue");
        await cluster.DeleteWidgetAsync("ns", "poll");
        await Eventually.TrueAsync(() => calls.Any(c => !c.Exists), "reconciled after delete");
        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
        await informerCts.CancelAsync();
        await informerRun;
        informerCts.Dispose();
    }
}
