using k8s;
using k8s.Models;
using LlmKube.ControllerRuntime;
using LlmKube.ControllerRuntime.Tests.Support;
using LlmKube.Sandbox;

namespace LlmKube.ControllerRuntime.Tests.Integration;

public class PatchAndEventTests
{
    [Fact]
    public async Task Patch_helper_sends_nothing_when_unchanged_and_minimal_patches_otherwise()
    {
        await using var cluster = await TestCluster.StartAsync();
        var created = await cluster.CreateWidgetAsync(Widget.New("ns", "w", 1));
        var client = Widget.Descriptor.CreateClient(cluster.Client);
        cluster.Control.ResetRequestCounts();

        var (helper, copy) = PatchHelper<Widget>.Begin(created);
        var result = await helper.PatchAsync(client, copy, CancellationToken.None);
        Assert.Equal(PatchOutcome.Unchanged, result.Outcome);
        Assert.Equal(0, cluster.Requests.Writes());

        copy.Spec.Size = 3;
        copy.Status = new WidgetStatus { Phase = "Ready", ObservedGeneration = 2 };
        result = await helper.PatchAsync(client, copy, CancellationToken.None);
        Assert.Equal(PatchOutcome.Patched, result.Outcome);
        Assert.Equal(1, cluster.Requests.Count("patch", "widgets", subresource: string.Empty));
        Assert.Equal(1, cluster.Requests.Count("patch", "widgets", subresource: "status"));
        var stored = await client.GetAsync("ns", "w", CancellationToken.None);
        Assert.Equal(3, stored!.Spec.Size);
        Assert.Equal("Ready", stored.Status!.Phase);
        Assert.Equal(2, stored.Metadata.Generation);

        cluster.Control.ResetRequestCounts();
        var (helper2, copy2) = PatchHelper<Widget>.Begin(stored);
        copy2.Status!.Phase = "Ready";
        Assert.Equal(PatchOutcome.Unchanged, (await helper2.PatchAsync(client, copy2, CancellationToken.None)).Outcome);
        ConditionSetter.For(stored, copy2.Status.Conditions = [], DateTimeOffset.UtcNow).MarkTrue("Ready", "Ok", "fine");
        Assert.Equal(PatchOutcome.Patched, (await helper2.PatchAsync(client, copy2, CancellationToken.None)).Outcome);
        Assert.Equal(0, cluster.Requests.Count("patch", "widgets", subresource: string.Empty));
        Assert.Equal(1, cluster.Requests.Count("patch", "widgets", subresource: "status"));
    }

    [Fact]
    public async Task A_conflict_answer_is_a_requeue_and_a_vanished_object_is_not_found()
    {
        await using var cluster = await TestCluster.StartAsync();
        var created = await cluster.CreateWidgetAsync(Widget.New("ns", "w", 1));
        using var conflicted = new Kubernetes(cluster.ConfigFor("system:serviceaccount:ns:patcher"));
        var client = Widget.Descriptor.CreateClient(cluster.Client);
        cluster.Control.Faults = new FaultSettings { ConflictRate = 1, IncludeAdmin = false, Seed = 1 };
        var (helper, copy) = PatchHelper<Widget>.Begin(created);
        copy.Metadata.Finalizers = ["demo/finalizer"];

        var result = await helper.PatchAsync(Widget.Descriptor.CreateClient(conflicted), copy, CancellationToken.None);
        cluster.Control.Faults = FaultSettings.None;

        Assert.Equal(PatchOutcome.Conflict, result.Outcome);
        Assert.Equal(ReconcileOutcome.Requeue, result.ToReconcileResult().Outcome);

        var (gone, g) = PatchHelper<Widget>.Begin(Widget.New("ns", "missing"));
        g.Spec.Size = 2;
        Assert.Equal(PatchOutcome.NotFound, (await gone.PatchAsync(client, g, CancellationToken.None)).Outcome);
    }

    [Fact]
    public async Task Core_kinds_patch_through_the_typed_client()
    {
        await using var cluster = await TestCluster.StartAsync();
        var cm = await cluster.CreateConfigMapAsync("ns", "c");
        var client = ResourceKinds.ConfigMaps.CreateClient(cluster.Client);
        var (helper, copy) = PatchHelper<V1ConfigMap>.Begin(cm);
        copy.Data["k"] = "v2";
        Assert.Equal(PatchOutcome.Patched, (await helper.PatchAsync(client, copy, CancellationToken.None)).Outcome);
        Assert.Equal("v2", (await client.GetAsync("ns", "c", CancellationToken.None))!.Data["k"]);
        Assert.Null(await client.GetAsync("ns", "nope", CancellationToken.None));
    }

    private static async Task<IList<Corev1Event>> EventsAsync(TestCluster cluster) =>
        (await cluster.Client.CoreV1.ListNamespacedEventAsync("ns")).Items;

    [Fact]
    public async Task Identical_events_are_written_once_even_when_several_alternate()
    {
        await using var cluster = await TestCluster.StartAsync();
        var w = await cluster.CreateWidgetAsync(Widget.New("ns", "w"));
        await using var recorder = new EventRecorder(cluster.Client);
        cluster.Control.ResetRequestCounts();

        for (var i = 0; i < 10; i++)
        {
            recorder.Warning(w, "ClaimMissing", "claim x not found");
        }

        await recorder.FlushAsync();
        Assert.Equal(1, cluster.Requests.Count("create", "events"));
        Assert.Equal(0, cluster.Requests.Count("patch", "events"));

        // A reconcile that raises two standing warnings each pass (A, B, A, B, ...) writes each once.
        for (var i = 0; i < 5; i++)
        {
            recorder.Normal(w, "ClaimFound", "claim x bound");
            recorder.Warning(w, "ClaimMissing", "claim x not found");
        }

        await recorder.FlushAsync();
        Assert.Equal(2, cluster.Requests.Count("create", "events"));
        Assert.Equal(0, cluster.Requests.Count("patch", "events"));

        var events = await EventsAsync(cluster);
        Assert.Equal(2, events.Count);
        var missing = events.Single(e => e.Reason == "ClaimMissing");
        Assert.Equal(1, missing.Count);
        Assert.Equal("Warning", missing.Type);
        Assert.Equal("Widget", missing.InvolvedObject.Kind);
        Assert.Equal("demo.llmkube.dev/v1", missing.InvolvedObject.ApiVersion);
        Assert.Equal(w.Metadata.Uid, missing.InvolvedObject.Uid);
        Assert.Equal("llmkube-controller", missing.Source.Component);
    }

    [Fact]
    public async Task The_dedup_window_expires_and_the_per_object_rate_limit_drops_floods()
    {
        await using var cluster = await TestCluster.StartAsync();
        var w = await cluster.CreateWidgetAsync(Widget.New("ns", "w"));
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var recorder = new EventRecorder(cluster.Client, new EventRecorderOptions { DedupWindow = TimeSpan.FromMinutes(10), BurstPerObject = 3 }, timeProvider: time);
        recorder.Normal(w, "Synced", "ok");
        time.Advance(TimeSpan.FromMinutes(9));
        recorder.Normal(w, "Synced", "ok");
        time.Advance(TimeSpan.FromMinutes(2));
        recorder.Normal(w, "Synced", "ok");
        await recorder.FlushAsync();
        Assert.Equal(1, cluster.Requests.Count("create", "events"));
        Assert.Equal(1, cluster.Requests.Count("patch", "events"));

        for (var i = 0; i < 10; i++)
        {
            recorder.Normal(w, "Step", "step " + i);
        }

        // Burst 3, one used by "Synced" and refilled meanwhile: 2 tokens left, so 2 of the 10 are written.
        await recorder.FlushAsync();
        Assert.Equal(3, cluster.Requests.Count("create", "events"));
    }

    [Fact]
    public async Task Event_write_failures_never_reach_the_caller()
    {
        // Refused connections.
        using (var dead = new k8s.Kubernetes(new k8s.KubernetesClientConfiguration { Host = "http://127.0.0.1:1" }))
        {
            await using var recorder = new EventRecorder(dead);
            recorder.Warning(Widget.New("ns", "w"), "X", "y");
            recorder.Record(null!, "Normal", "X", "y");
            await recorder.FlushAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }

        // A server that answers every write with 500 InternalError.
        await using var cluster = await TestCluster.StartAsync();
        var w = await cluster.CreateWidgetAsync(Widget.New("ns", "w"));
        cluster.Control.Faults = new FaultSettings { ErrorRate = 1, Seed = 1 };
        await using (var failing = new EventRecorder(cluster.Client))
        {
            failing.Warning(w, "X", "y");
            failing.Normal(w, "Z", "y");
            await failing.FlushAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }

        Assert.Equal(2, cluster.Requests.Count("create", "events", code: 500));
        Assert.Equal(0, cluster.Requests.Count("create", "events", code: 201));
    }
}
