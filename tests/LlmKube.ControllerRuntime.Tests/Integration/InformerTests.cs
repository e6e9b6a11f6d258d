using System.Collections.Concurrent;
using System.Globalization;
using k8s;
using k8s.Models;
using LlmKube.ControllerRuntime;
using LlmKube.ControllerRuntime.Tests.Support;
using LlmKube.Sandbox;
using LlmKube.Tests.Shared;
using static LlmKube.ControllerRuntime.Tests.Support.InformerTestOptions;

namespace LlmKube.ControllerRuntime.Tests.Integration;

public class InformerTests
{
    [Fact]
    public async Task Initial_list_is_paged_and_fills_the_cache()
    {
        await using var cluster = await TestCluster.StartAsync();
        await Parallel.ForEachAsync(Enumerable.Range(0, 1203), new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (i, _) => await cluster.CreateConfigMapAsync("ns", $"cm-{i:D4}"));
        cluster.Control.ResetRequestCounts();

        var informer = new Informer<V1ConfigMap>(ResourceKinds.ConfigMaps.CreateClient(cluster.Client), Fast with { Namespace = "ns" });
        var added = 0;
        using var reg = informer.AddEventHandler(e => Interlocked.Increment(ref added));
        using var cts = new CancellationTokenSource();
        var run = informer.RunAsync(cts.Token);
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(1203, informer.Cache.Count);
        Assert.Equal(1203, added);
        Assert.Equal(3, cluster.Requests.Count("list", "configmaps"));
        Assert.NotNull(informer.Cache.Get(new ObjectKey("ns", "cm-1202")));
        await cts.CancelAsync();
        await run;
    }

    [Fact]
    public async Task Watch_events_reach_cache_and_handlers_with_old_and_new_objects()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.CreateWidgetAsync(Widget.New("ns", "a"));
        var informer = new Informer<Widget>(Widget.Descriptor.CreateClient(cluster.Client), Fast);
        var events = new ConcurrentQueue<InformerEvent<Widget>>();
        using var reg = informer.AddEventHandler(events.Enqueue);
        using var cts = new CancellationTokenSource();
        var run = informer.RunAsync(cts.Token);
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        await cluster.CreateWidgetAsync(Widget.New("ns", "b", 2));
        await Eventually.TrueAsync(() => informer.Cache.Get(new ObjectKey("ns", "b")) != null, "b added");

        var patch = PatchHelper<Widget>.MergePatch(new System.Text.Json.Nodes.JsonObject { ["spec"] = new System.Text.Json.Nodes.JsonObject { ["size"] = 5 } });
        await Widget.Descriptor.CreateClient(cluster.Client).PatchAsync("ns", "b", patch, status: false, CancellationToken.None);
        await Eventually.TrueAsync(() => events.Any(e => e.Type == InformerEventType.Updated), "b updated");
        var update = events.Last(e => e.Type == InformerEventType.Updated);
        Assert.Equal(5, informer.Cache.Get(new ObjectKey("ns", "b"))!.Spec.Size);
        Assert.Equal(2, update.OldObject!.Spec.Size);
        Assert.Equal(5, update.Object.Spec.Size);

        await cluster.DeleteWidgetAsync("ns", "a");
        // The informer changes the cache, then dispatches the event: wait for the event, which comes second (waiting
        // for the cache raced the dispatch once in a clean-clone run).
        await Eventually.TrueAsync(() => events.Any(e => e.Type == InformerEventType.Deleted && e.Object.Metadata.Name == "a"), "a deleted");
        Assert.Null(informer.Cache.Get(new ObjectKey("ns", "a")));
        Assert.Equal(1, informer.ListCount);
        await cts.CancelAsync();
        await run;
    }

    [Fact]
    public async Task Bookmarks_advance_the_resource_version_the_next_watch_starts_from()
    {
        await using var cluster = await TestCluster.StartAsync(new SandboxOptions { BookmarkInterval = TimeSpan.FromMilliseconds(100) });
        var informer = new Informer<V1ConfigMap>(ResourceKinds.ConfigMaps.CreateClient(cluster.Client), Fast);
        using var cts = new CancellationTokenSource();
        var run = informer.RunAsync(cts.Token);
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        await cluster.WatchOpenedAsync("configmaps");
        var before = long.Parse(informer.LastResourceVersion!, CultureInfo.InvariantCulture);

        // Writes to another resource move the global resourceVersion without a single ConfigMap event:
        // only the server's periodic bookmarks can tell the informer about them.
        for (var i = 0; i < 5; i++)
        {
            await cluster.CreateWidgetAsync(Widget.New("ns", "churn-" + i));
        }

        var rv = cluster.Control.ResourceVersion;
        Assert.True(rv > before);
        await Eventually.TrueAsync(() => informer.LastResourceVersion == rv.ToString(CultureInfo.InvariantCulture), "bookmark rv tracked");
        Assert.Equal(1, informer.ListCount);
        await cts.CancelAsync();
        await run;
    }

    [Fact]
    public async Task A_dropped_watch_resumes_from_the_last_version_without_relisting()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.CreateWidgetAsync(Widget.New("ns", "a"));
        var informer = new Informer<Widget>(Widget.Descriptor.CreateClient(cluster.Client), Fast);
        using var cts = new CancellationTokenSource();
        var run = informer.RunAsync(cts.Token);
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        for (var i = 0; i < 3; i++)
        {
            await cluster.WatchOpenedAsync("widgets", i + 1);
            Assert.Equal(1, cluster.Control.DropWatches());
            await cluster.CreateWidgetAsync(Widget.New("ns", "after-drop-" + i));
        }

        await Eventually.TrueAsync(() => informer.Cache.Count == 4, "all widgets seen");
        Assert.Equal(1, informer.ListCount);
        Assert.Equal(1, cluster.Requests.Count("list", "widgets"));
        await cts.CancelAsync();
        await run;
    }

    [Fact]
    public async Task A_410_relists_and_synthesizes_deletes_for_vanished_objects()
    {
        // The server keeps 5 watch events of widgets: a dozen writes the informer misses expire its resourceVersion.
        await using var cluster = await TestCluster.StartAsync(new SandboxOptions { WatchHistorySize = 5 });
        await cluster.CreateWidgetAsync(Widget.New("ns", "keep"));
        await cluster.CreateWidgetAsync(Widget.New("ns", "gone"));
        var informer = new Informer<Widget>(Widget.Descriptor.CreateClient(cluster.Client), Fast);
        var deletes = new ConcurrentQueue<string>();
        using var stalled = new ManualResetEventSlim();
        using var resume = new ManualResetEventSlim();
        using var reg = informer.AddEventHandler(e =>
        {
            if (e.Type == InformerEventType.Deleted)
            {
                deletes.Enqueue(e.Object.Metadata.Name);
            }

            // Handlers run on the informer's loop: a slow one holds the informer inside its current watch.
            if (e.Type == InformerEventType.Updated && e.Object.Metadata.Name == "keep" && !resume.IsSet)
            {
                stalled.Set();
                resume.Wait(TimeSpan.FromSeconds(10));
            }
        });
        using var cts = new CancellationTokenSource();
        var run = informer.RunAsync(cts.Token);
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        await cluster.WatchOpenedAsync("widgets");

        // Stall the informer, cut its watch, then change things it cannot see and write enough to age the
        // server's history past the informer's resourceVersion: the re-watch is answered 410 Expired.
        await cluster.PatchWidgetSizeAsync("ns", "keep", 2);
        await Eventually.TrueAsync(() => stalled.IsSet, "informer stalled in a handler");
        Assert.Equal(1, cluster.Control.DropWatches());
        await cluster.DeleteWidgetAsync("ns", "gone");
        await cluster.CreateWidgetAsync(Widget.New("ns", "new"));
        for (var i = 0; i < 10; i++)
        {
            await cluster.PatchWidgetSizeAsync("ns", "new", 10 + i);
        }

        resume.Set();

        await Eventually.TrueAsync(() => informer.ListCount == 2, "relisted");
        await Eventually.TrueAsync(() => informer.Cache.Get(new ObjectKey("ns", "new"))?.Spec.Size == 19, "new object seen");
        // The relist dispatches the vanished object's Deleted after the listed ones: wait for it.
        await Eventually.TrueAsync(() => !deletes.IsEmpty, "vanished object deleted");
        Assert.Null(informer.Cache.Get(new ObjectKey("ns", "gone")));
        Assert.Equal(2, informer.Cache.Get(new ObjectKey("ns", "keep"))!.Spec.Size);
        Assert.Equal(["gone"], deletes.ToArray());
        Assert.Equal(2, cluster.Requests.Count("list", "widgets"));
        await cts.CancelAsync();
        await run;
    }

    [Fact]
    public async Task A_list_and_a_watch_carry_the_clients_credentials_and_a_refusal_is_the_clients_error_with_the_servers_answer()
    {
        // A service account with no role: the server knows who asks (bearer token over TLS) and refuses both.
        await using var cluster = await TestCluster.StartAsync(new SandboxOptions { Rbac = new RbacOptions { Enforce = true } });
        using var nobody = new k8s.Kubernetes(cluster.ConfigFor("system:serviceaccount:ns:nobody"));
        var client = ResourceKinds.ConfigMaps.CreateClient(nobody);

        var watchError = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(async () =>
        {
            await foreach (var _ in client.WatchAsync(new WatchRequest("ns", null), e => throw e, CancellationToken.None))
            {
            }
        });
        var listError = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() =>
            client.ListAsync(new ListRequest("ns", KeepManagedFields: false), CancellationToken.None));

        foreach (var error in new[] { watchError, listError })
        {
            Assert.Equal(System.Net.HttpStatusCode.Forbidden, error.Response.StatusCode);
            Assert.Contains("system:serviceaccount:ns:nobody", error.Response.Content, StringComparison.Ordinal);
            Assert.StartsWith("403 Forbidden (the operator's RBAC does not allow it)", InformerErrors.Explain(error), StringComparison.Ordinal);
        }

        Assert.Equal(1, cluster.Requests.Count("watch", "configmaps"));
        Assert.Equal(1, cluster.Requests.Count("list", "configmaps"));
    }

    [Fact]
    public async Task A_list_the_server_does_not_answer_is_given_up_at_the_clients_own_timeout()
    {
        // Lists go over the client's HTTP pipeline, whose HttpClient never times out by itself (watches last minutes):
        // the client's configured timeout must bound them, as it bounds its own typed calls.
        await using var cluster = await TestCluster.StartAsync();
        var config = cluster.ConfigFor("system:serviceaccount:ns:reader");
        config.HttpClientTimeout = TimeSpan.FromMilliseconds(300);
        using var impatient = new k8s.Kubernetes(config);
        cluster.Control.Faults = new FaultSettings { LatencyMs = 20_000, Seed = 1 };
        var started = System.Diagnostics.Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<TimeoutException>(() =>
            ResourceKinds.ConfigMaps.CreateClient(impatient).ListAsync(new ListRequest("ns"), CancellationToken.None));

        Assert.InRange(started.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(10));
        // One line in the informer's log, naming the resource and the timeout, not a stack trace.
        Assert.Equal("API server did not answer in time: no answer to a LIST of configmaps within 0.3 s (the client's timeout)", InformerErrors.Explain(error));
        cluster.Control.Faults = FaultSettings.None;
    }

    [Fact]
    public async Task Transport_errors_back_off_with_jitter_and_stop_on_cancel()
    {
        // Nothing listens on port 1: every attempt is a refused connection.
        using var client = new k8s.Kubernetes(new k8s.KubernetesClientConfiguration { Host = "http://127.0.0.1:1" });
        var failures = new FailureCounter();
        var informer = new Informer<V1ConfigMap>(ResourceKinds.ConfigMaps.CreateClient(client), Fast, observer: failures);
        using var cts = new CancellationTokenSource();
        var started = DateTime.UtcNow;
        var run = informer.RunAsync(cts.Token);
        await Eventually.TrueAsync(() => failures.Count >= 4, "four failed attempts");
        Assert.False(informer.HasSynced);

        // Backed off: 4 attempts take at least 10+20+40 ms (the lower jitter bounds of the first three delays).
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromMilliseconds(70));
        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Resync_replays_the_cache_without_api_requests()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.CreateConfigMapAsync("ns", "a");
        await cluster.CreateConfigMapAsync("ns", "b");
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var informer = new Informer<V1ConfigMap>(ResourceKinds.ConfigMaps.CreateClient(cluster.Client), Fast with { ResyncPeriod = TimeSpan.FromMinutes(1) }, timeProvider: time);
        var resyncs = 0;
        using var reg = informer.AddEventHandler(e =>
        {
            if (e.Type == InformerEventType.Resync)
            {
                Interlocked.Increment(ref resyncs);
            }
        });
        using var cts = new CancellationTokenSource();
        var run = informer.RunAsync(cts.Token);
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        await cluster.WatchOpenedAsync("configmaps");
        cluster.Control.ResetRequestCounts();
        await Eventually.TrueAsync(() =>
        {
            time.Advance(TimeSpan.FromMinutes(1));
            return Volatile.Read(ref resyncs) >= 6;
        }, "three resyncs");
        Assert.Equal(0, cluster.Requests.Total);
        await cts.CancelAsync();
        await run;
    }

    private sealed class FailureCounter : IInformerObserver
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public void Listed(ApiResource resource, bool relist)
        {
        }

        public void Resynced(ApiResource resource)
        {
        }

        public void Failed(ApiResource resource) => Interlocked.Increment(ref _count);

        public void WatchEvent(ApiResource resource, k8s.WatchEventType type)
        {
        }
    }
}
