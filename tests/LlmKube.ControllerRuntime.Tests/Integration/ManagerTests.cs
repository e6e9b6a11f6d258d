using System.Collections.Concurrent;
using System.Net;
using k8s;
using k8s.Models;
using LlmKube.ControllerRuntime;
using LlmKube.ControllerRuntime.Tests.Support;
using LlmKube.Tests.Shared;
using Microsoft.Extensions.Logging;

namespace LlmKube.ControllerRuntime.Tests.Integration;

/// <summary>A small, well-behaved reconciler: Widget → owned ConfigMap, status and a Normal event,
/// all written only when something differs.</summary>
internal sealed class WidgetReconciler(Manager manager, Informer<Widget> widgets, Informer<V1ConfigMap> configMaps, string who = "m") : IReconciler
{
    public ConcurrentBag<(string Who, ObjectKey Key)> Calls { get; } = [];

    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        Calls.Add((who, key));
        var w = widgets.Cache.Get(key);
        if (w == null)
        {
            return ReconcileResult.Done;
        }

        var childKey = new ObjectKey(key.Namespace, key.Name + "-config");
        if (configMaps.Cache.Get(childKey) == null)
        {
            var cm = new V1ConfigMap
            {
                Metadata = new V1ObjectMeta
                {
                    Name = childKey.Name,
                    NamespaceProperty = key.Namespace,
                    OwnerReferences = [new V1OwnerReference { ApiVersion = w.ApiVersion, Kind = "Widget", Name = w.Metadata.Name, Uid = w.Metadata.Uid, Controller = true, BlockOwnerDeletion = true }],
                },
                Data = new Dictionary<string, string> { ["size"] = w.Spec.Size.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            };
            try
            {
                await manager.Client.CoreV1.CreateNamespacedConfigMapAsync(cm, key.Namespace, cancellationToken: cancellationToken);
            }
            catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
            {
                // The cache had not seen it yet.
            }
        }

        var (helper, copy) = PatchHelper<Widget>.Begin(w);
        copy.Status ??= new WidgetStatus();
        copy.Status.Phase = "Ready";
        copy.Status.ObservedGeneration = w.Metadata.Generation;
        ConditionSetter.For(w, copy.Status.Conditions ??= [], DateTimeOffset.UtcNow).MarkTrue("Ready", "Reconciled", "size " + w.Spec.Size);
        manager.Events.Normal(w, "Reconciled", "widget is ready");
        var result = await helper.PatchAsync(manager.ClientFor(Widget.Descriptor), copy, cancellationToken);
        return result.ToReconcileResult();
    }
}

public class ManagerTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static ManagerOptions Options(TimeSpan? resync = null) => new()
    {
        HealthPort = 0,
        MetricsPort = 0,
        BindAddress = "127.0.0.1",
        Informers = new InformerOptions { ResyncPeriod = resync, InitialBackoff = TimeSpan.FromMilliseconds(20), MaxBackoff = TimeSpan.FromMilliseconds(200) },
    };

    /// <summary>The user a manager runs as (its own kubeconfig, as the operator's deployment has).</summary>
    private static string UserOf(string who) => "system:serviceaccount:ns:widget-operator-" + who;

    private static (Manager Manager, WidgetReconciler Reconciler) Build(TestCluster cluster, ManagerOptions options, string who = "m")
    {
        var manager = new Manager(cluster.ConfigFor(UserOf(who)), options);
        var widgets = manager.Informer(Widget.Descriptor);
        var configMaps = manager.Informer(ResourceKinds.ConfigMaps);
        var reconciler = new WidgetReconciler(manager, widgets, configMaps, who);
        manager.AddController("widgets", reconciler, new ControllerOptions { Workers = 4 })
            .For(widgets, EventPredicates.GenerationChanged<Widget>())
            .Owns(configMaps, "Widget");
        return (manager, reconciler);
    }

    [Fact]
    public async Task Converges_then_makes_zero_writes_over_resyncs_and_serves_probes_and_metrics()
    {
        await using var cluster = await TestCluster.StartAsync();
        for (var i = 0; i < 20; i++)
        {
            await cluster.CreateWidgetAsync(Widget.New("ns", "w" + i, i));
        }

        var (manager, reconciler) = Build(cluster, Options(resync: TimeSpan.FromMilliseconds(100)));
        await using var _ = manager;
        using var cts = new CancellationTokenSource();
        var run = manager.RunAsync(cts.Token);
        await manager.WaitForReadyAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        var widgets = Widget.Descriptor.CreateClient(cluster.Client);
        await Eventually.TrueAsync(async () =>
        {
            var page = await widgets.ListAsync(new ListRequest("ns"), CancellationToken.None);
            return page.Items.All(w => w.Status?.Phase == "Ready") &&
                   (await cluster.Client.CoreV1.ListNamespacedConfigMapAsync("ns")).Items.Count == 20;
        }, "20 widgets converged");
        await manager.Events.FlushAsync();

        // Steady state: resyncs keep reconciling, nothing is written.
        await Eventually.TrueAsync(() => manager.Controllers[0].Queue?.Count == 0 && manager.Controllers[0].ActiveReconciles == 0, "idle");
        await manager.Events.FlushAsync();
        cluster.Control.ResetRequestCounts();
        var callsBefore = reconciler.Calls.Count;
        await Eventually.TrueAsync(() => reconciler.Calls.Count >= callsBefore + 100, "five resyncs of 20 widgets");
        await manager.Events.FlushAsync();
        Assert.Equal(0, cluster.Requests.Writes());

        // A deleted child is recreated through the owner mapping.
        await cluster.Client.CoreV1.DeleteNamespacedConfigMapAsync("w3-config", "ns");
        await Eventually.TrueAsync(async () =>
            (await cluster.Client.CoreV1.ListNamespacedConfigMapAsync("ns")).Items.Any(c => c.Metadata.Name == "w3-config"), "child recreated");

        using var http = new HttpClient();
        var health = $"http://127.0.0.1:{manager.HealthPort}";
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(health + "/healthz")).StatusCode);
        var ready = await http.GetAsync(health + "/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Contains("widgets.demo.llmkube.dev: synced", await ready.Content.ReadAsStringAsync());
        var metrics = await http.GetStringAsync($"http://127.0.0.1:{manager.MetricsPort}/metrics");
        Assert.Contains("controller_runtime_reconcile_total{controller=\"widgets\",result=\"success\"}", metrics);
        Assert.Contains("controller_runtime_reconcile_time_seconds_bucket{controller=\"widgets\",le=\"0.005\"}", metrics);
        Assert.Contains("controller_runtime_max_concurrent_reconciles{controller=\"widgets\"} 4", metrics);
        Assert.Matches("rest_client_requests_total\\{code=\"200\",method=\"GET\",host=\"127\\.0\\.0\\.1:[0-9]+\"\\} [1-9]", metrics);
        Assert.Contains("llmkube_api_requests_total{verb=\"list\",resource=\"widgets\",code=\"200\"}", metrics);
        Assert.Contains("llmkube_api_requests_total{verb=\"patch\",resource=\"widgets/status\",code=\"200\"}", metrics);
        Assert.Contains("workqueue_depth{name=\"widgets\",controller=\"widgets\"}", metrics);
        Assert.Contains("workqueue_work_duration_seconds_bucket{name=\"widgets\",controller=\"widgets\",le=\"1e-08\"}", metrics);
        Assert.Contains("llmkube_informer_resyncs_total{resource=\"widgets.demo.llmkube.dev\"}", metrics);
        Assert.Contains("llmkube_events_total{outcome=\"suppressed\"}", metrics);
        Assert.Contains("process_cpu_seconds_total", metrics);
        Assert.Contains("process_resident_memory_bytes", metrics);
        Assert.Contains("dotnet_gc_collections_total", metrics);
        Assert.DoesNotContain("leader_election_master_status{", metrics); // a series only with leader election, as controller-runtime

        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Informers_are_shared_per_kind_and_selector_and_a_different_transform_is_refused()
    {
        await using var cluster = await TestCluster.StartAsync();
        await using var manager = new Manager(cluster.ConfigFor(UserOf("m")), Options() with { HealthPort = null, MetricsPort = null });
        Func<V1ConfigMap, V1ConfigMap> names = c => new V1ConfigMap { Metadata = c.Metadata };

        var shaped = manager.Informer(ResourceKinds.ConfigMaps, "!mine", names);
        Assert.Same(shaped, manager.Informer(ResourceKinds.ConfigMaps, "!mine", names));
        Assert.NotSame(shaped, manager.Informer(ResourceKinds.ConfigMaps, "mine"));
        var refused = Assert.Throws<InvalidOperationException>(() => manager.Informer(ResourceKinds.ConfigMaps, "!mine"));
        Assert.Contains("another transform", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Readyz_is_unavailable_until_informers_sync()
    {
        // The Widget CRD is not installed yet: listing widgets is 404 until it is.
        await using var cluster = await TestCluster.StartAsync(installWidgets: false);
        var options = Options() with { HealthPort = 0, MetricsPort = null };
        var manager = new Manager(cluster.ConfigFor(UserOf("m")), options);
        await using var _ = manager;
        manager.Informer(Widget.Descriptor);
        using var cts = new CancellationTokenSource();
        var run = manager.RunAsync(cts.Token);
        await Eventually.TrueAsync(() => manager.HealthPort != null, "server up");
        await Eventually.TrueAsync(() => cluster.Requests.Count("list", "widgets", code: 404) >= 2, "widget lists refused");
        using var http = new HttpClient();
        var ready = await http.GetAsync($"http://127.0.0.1:{manager.HealthPort}/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("not synced", await ready.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{manager.HealthPort}/healthz")).StatusCode);

        await cluster.InstallWidgetCrdAsync();
        await manager.WaitForReadyAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{manager.HealthPort}/readyz")).StatusCode);
        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Only_the_leader_reconciles_and_a_standby_takes_over_when_it_stops()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.CreateWidgetAsync(Widget.New("ns", "first"));
        var election = new LeaderElectionOptions
        {
            Enabled = true,
            LeaseNamespace = "ns",
            LeaseDuration = TimeSpan.FromSeconds(2),
            RenewDeadline = TimeSpan.FromSeconds(1.5),
            RetryPeriod = TimeSpan.FromMilliseconds(200),
        };
        var (a, ra) = Build(cluster, Options() with { LeaderElection = election with { Identity = "a" } }, "a");
        await using var _a = a;
        using var ctsA = new CancellationTokenSource();
        var runA = a.RunAsync(ctsA.Token);
        await Eventually.TrueAsync(() => a.IsLeader, "a leads");

        var (b, rb) = Build(cluster, Options() with { LeaderElection = election with { Identity = "b" } }, "b");
        await using var _b = b;
        using var ctsB = new CancellationTokenSource();
        var runB = b.RunAsync(ctsB.Token);
        await b.WaitForReadyAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        using (var http = new HttpClient())
        {
            var ready = await http.GetAsync($"http://127.0.0.1:{b.HealthPort}/readyz");
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);

            // Ready means synced caches; the standby names the holder once its first lease attempt has read the lease
            // (until then it says "held by nobody yet", which is true from where it stands).
            await Eventually.TrueAsync(
                async () => (await http.GetStringAsync($"http://127.0.0.1:{b.HealthPort}/readyz")).Contains("leader: no (standby; lease ns/llmkube-operator-leader held by a)", StringComparison.Ordinal),
                "b's /readyz names a as the holder");
            var metrics = await http.GetStringAsync($"http://127.0.0.1:{b.MetricsPort}/metrics");
            Assert.Contains("leader_election_master_status{name=\"llmkube-operator-leader\"} 0", metrics);
            Assert.Contains("leader_election_master_status{name=\"llmkube-operator-leader\"} 1", await http.GetStringAsync($"http://127.0.0.1:{a.MetricsPort}/metrics"));
        }

        await cluster.CreateWidgetAsync(Widget.New("ns", "second"));
        await Eventually.TrueAsync(() => ra.Calls.Any(c => c.Key.Name == "second"), "a reconciled second");
        Assert.False(b.IsLeader);
        Assert.Empty(rb.Calls);
        Assert.Equal(0, cluster.Requests.Writes(user: UserOf("b")));

        var stopped = DateTime.UtcNow;
        await ctsA.CancelAsync();
        await runA.WaitAsync(TimeSpan.FromSeconds(10));
        await Eventually.TrueAsync(() => b.IsLeader, "b takes over", TimeSpan.FromSeconds(10));
        Assert.True(DateTime.UtcNow - stopped < election.LeaseDuration + TimeSpan.FromSeconds(3));
        await cluster.CreateWidgetAsync(Widget.New("ns", "third"));
        await Eventually.TrueAsync(() => rb.Calls.Any(c => c.Key.Name == "third"), "b reconciled third");
        Assert.DoesNotContain(ra.Calls, c => c.Key.Name == "third");

        await ctsB.CancelAsync();
        await runB.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_missing_lease_namespace_is_reported_on_readyz_in_metrics_and_once_in_the_log_until_it_exists()
    {
        await using var cluster = await TestCluster.StartAsync();
        using var logs = new ListLoggerProvider();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
        var options = Options() with
        {
            LeaderElection = new LeaderElectionOptions
            {
                Enabled = true,
                LeaseNamespace = "lease-ns",
                LeaseDuration = TimeSpan.FromSeconds(2),
                RenewDeadline = TimeSpan.FromSeconds(1.5),
                RetryPeriod = TimeSpan.FromMilliseconds(100),
            },
        };
        await using var manager = new Manager(cluster.ConfigFor(UserOf("m")), options, loggers);
        manager.Informer(Widget.Descriptor);
        using var cts = new CancellationTokenSource();
        var run = manager.RunAsync(cts.Token);

        var failure = await Eventually.ThatAsync(() => Task.FromResult(manager.LeaderElectionFailure), f => f is { Attempts: >= 5 }, "five failed attempts");
        Assert.Equal("NamespaceNotFound", failure!.Reason);
        Assert.Contains("namespaces \"lease-ns\" not found", failure.Message, StringComparison.Ordinal);
        Assert.False(manager.IsLeader);
        using var http = new HttpClient();
        var ready = await http.GetAsync($"http://127.0.0.1:{manager.HealthPort}/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode); // readiness is the informers'; the pod stays in the metrics Service
        Assert.Contains("leader: no: cannot acquire lease lease-ns/llmkube-operator-leader: NamespaceNotFound: HTTP 404", await ready.Content.ReadAsStringAsync());
        var metrics = await http.GetStringAsync($"http://127.0.0.1:{manager.MetricsPort}/metrics");
        Assert.Contains("leader_election_master_status{name=\"llmkube-operator-leader\"} 0", metrics);
        Assert.Matches("llmkube_leader_election_failures_total\\{name=\"llmkube-operator-leader\",reason=\"NamespaceNotFound\"\\} ([5-9]|[1-9][0-9]+)", metrics);
        var warnings = logs.Lines.Where(l => l.Level == LogLevel.Warning).ToList();
        var report = Assert.Single(warnings); // rate-limited: one report for the whole run of identical failures
        Assert.Null(report.Exception);
        Assert.Contains("Cannot acquire or renew the leader Lease lease-ns/llmkube-operator-leader: NamespaceNotFound", report.Message, StringComparison.Ordinal);
        Assert.Contains("create it", report.Message, StringComparison.Ordinal);

        await cluster.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "lease-ns" } });
        await Eventually.TrueAsync(() => manager.IsLeader, "leads once the namespace exists");
        Assert.Null(manager.LeaderElectionFailure);
        Assert.Contains("leader_election_master_status{name=\"llmkube-operator-leader\"} 1", await http.GetStringAsync($"http://127.0.0.1:{manager.MetricsPort}/metrics"));
        Assert.Contains("leader: yes (lease lease-ns/llmkube-operator-leader)", await (await http.GetAsync($"http://127.0.0.1:{manager.HealthPort}/readyz")).Content.ReadAsStringAsync());
        Assert.Contains(logs.Lines, l => l.Level == LogLevel.Information && l.Message.Contains("usable again", StringComparison.Ordinal));

        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_thousand_objects_sync_and_converge_quickly()
    {
        await using var cluster = await TestCluster.StartAsync();
        await Parallel.ForEachAsync(Enumerable.Range(0, 1000), new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (i, _) => await cluster.CreateWidgetAsync(Widget.New("ns", $"w{i:D4}", i)));
        var (manager, reconciler) = Build(cluster, Options() with { HealthPort = null, MetricsPort = null });
        await using var _ = manager;
        using var cts = new CancellationTokenSource();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var run = manager.RunAsync(cts.Token);
        await manager.WaitForReadyAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        var ready = started.Elapsed;
        await Eventually.TrueAsync(() => reconciler.Calls.Select(c => c.Key).Distinct().Count() == 1000, "all reconciled", TimeSpan.FromSeconds(30));
        var converged = started.Elapsed;
        // Reported, not asserted: speed is measured in bench/operator, not in a timed test (the deadlines above only
        // catch a hang). What is asserted: every object reconciled, and at most once more when its own ConfigMap
        // appears (the owner's event), so no loop.
        output.WriteLine($"1000 widgets: ready after {ready.TotalMilliseconds:F0} ms, all reconciled after {converged.TotalMilliseconds:F0} ms, {reconciler.Calls.Count} reconciles");
        Assert.InRange(reconciler.Calls.Count, 1000, 2000);
        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
