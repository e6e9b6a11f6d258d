using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using LlmKube.ControllerRuntime;
using LlmKube.ControllerRuntime.Tests.Support;
using LlmKube.Tests.Shared;

namespace LlmKube.ControllerRuntime.Tests.Integration;

/// <summary>
/// <see cref="OwnWrites{T}"/> through a real controller, informers and the sandbox: the echo of the reconciler's own child
/// create wakes nobody, and every other change of the child still wakes its owner.
/// </summary>
public class OwnedChildEchoTests
{
    private const int Widgets = 12;

    private sealed record Run(ConcurrentDictionary<string, int> Calls, OwnWrites<V1ConfigMap>? Writes, Controller Controller, Informer<V1ConfigMap> Children);

    private static Run Start(TestCluster cluster, Informer<Widget> widgets, bool tracked, List<IAsyncDisposable> stops)
    {
        var children = new Informer<V1ConfigMap>(ResourceKinds.ConfigMaps.CreateClient(cluster.Client), new InformerOptions { ResyncPeriod = null });
        var writes = tracked ? new OwnWrites<V1ConfigMap>() : null;
        var calls = new ConcurrentDictionary<string, int>();
        var reconciler = new LambdaReconciler(async (key, ct) =>
        {
            calls.AddOrUpdate(key.Name, 1, (_, n) => n + 1);
            if (widgets.Cache.Get(key) is not { } w || children.Cache.Get(new ObjectKey(key.Namespace, key.Name + "-config")) is not null)
            {
                return ReconcileResult.Done;
            }

            var childKey = new ObjectKey(key.Namespace, key.Name + "-config");
            using var write = writes?.Begin(childKey);
            var created = await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
            {
                Metadata = new V1ObjectMeta
                {
                    Name = childKey.Name,
                    NamespaceProperty = key.Namespace,
                    OwnerReferences = [new V1OwnerReference { ApiVersion = w.ApiVersion, Kind = "Widget", Name = w.Metadata.Name, Uid = w.Metadata.Uid, Controller = true }],
                },
                Data = new Dictionary<string, string> { ["size"] = "1" },
            }, key.Namespace, cancellationToken: ct);
            if (writes is not null && int.Parse(key.Name[1..], System.Globalization.CultureInfo.InvariantCulture) % 2 == 0)
            {
                // Every other widget: the watch beats the create's response, as it often does on a busy operator.
                await Eventually.TrueAsync(() => children.Cache.Get(childKey)?.Metadata.ResourceVersion == created.Metadata.ResourceVersion, "echo first");
            }

            write?.Accepted(created);

            return ReconcileResult.Done;
        });
        var controller = new Controller("widgets", reconciler, new ControllerOptions { Workers = 4 })
            .For(widgets)
            .Owns(children, "Widget", ownWrites: writes);
        var cts = new CancellationTokenSource();
        var informerRun = children.RunAsync(cts.Token);
        var controllerRun = controller.RunAsync(cts.Token);
        stops.Add(new Stop(cts, informerRun, controllerRun));
        return new Run(calls, writes, controller, children);
    }

    private sealed record Stop(CancellationTokenSource Cts, Task InformerRun, Task ControllerRun) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Cts.CancelAsync();
            await Task.WhenAll(InformerRun, ControllerRun).WaitAsync(TimeSpan.FromSeconds(10));
            Cts.Dispose();
        }
    }

    /// <summary>Every child is in the cache (so its echo was dispatched), then the controller stays idle for a moment.</summary>
    private static async Task SettledAsync(Run run, string what)
    {
        await Eventually.TrueAsync(() => run.Children.Cache.Count == Widgets, what + ": every child cached");
        await Task.Delay(200);
        await Eventually.TrueAsync(() => run.Controller.Queue?.Count == 0 && run.Controller.ActiveReconciles == 0, what + ": idle");
    }

    [Fact]
    public async Task The_echo_of_a_child_the_reconciler_created_wakes_nobody_and_anyone_elses_change_still_does()
    {
        var stops = new List<IAsyncDisposable>();
        try
        {
            // Without the record each widget is reconciled twice: once to create its child, once for the child's echo.
            await using (var plain = await TestCluster.StartAsync())
            {
                var widgets = await StartWidgetsAsync(plain, stops);
                var run = Start(plain, widgets, tracked: false, stops);
                await Eventually.TrueAsync(() => run.Calls.Count == Widgets && run.Calls.Values.All(n => n == 2), "every widget reconciled again for its child's echo");
                await SettledAsync(run, "untracked");
                Assert.All(run.Calls.Values, n => Assert.Equal(2, n));
                await DisposeAllAsync(stops);
            }

            await using var cluster = await TestCluster.StartAsync();
            var tracked = Start(cluster, await StartWidgetsAsync(cluster, stops), tracked: true, stops);
            await SettledAsync(tracked, "tracked");

            // Exactly one pass per widget, also when the child's echo beat the create's response (every other widget).
            Assert.Equal(Widgets, tracked.Calls.Count);
            Assert.All(tracked.Calls.Values, n => Assert.Equal(1, n));
            Assert.Equal(0, tracked.Writes!.Pending);
            Assert.Equal(0, tracked.Writes.InFlightCount);

            // Someone else's change of a child wakes its owner, exactly once.
            var before = new Dictionary<string, int>(tracked.Calls);
            for (var i = 0; i < Widgets; i++)
            {
                var patch = new V1Patch("{\"metadata\":{\"labels\":{\"touched\":\"yes\"}}}", V1Patch.PatchType.MergePatch);
                await cluster.Client.CoreV1.PatchNamespacedConfigMapAsync(patch, $"w{i}-config", TestCluster.Namespace);
            }

            await Eventually.TrueAsync(() => tracked.Calls.All(c => c.Value == before[c.Key] + 1), "every owner woken by the foreign change");

            // So does its deletion, and the child is created again.
            await cluster.Client.CoreV1.DeleteNamespacedConfigMapAsync("w3-config", TestCluster.Namespace);
            await Eventually.TrueAsync(() => tracked.Calls["w3"] >= before["w3"] + 2 && tracked.Children.Cache.Get(new ObjectKey(TestCluster.Namespace, "w3-config")) is not null, "w3 woken and its child recreated");
        }
        finally
        {
            await DisposeAllAsync(stops);
        }
    }

    private static async Task<Informer<Widget>> StartWidgetsAsync(TestCluster cluster, List<IAsyncDisposable> stops)
    {
        for (var i = 0; i < Widgets; i++)
        {
            await cluster.CreateWidgetAsync(Widget.New(TestCluster.Namespace, "w" + i));
        }

        var widgets = new Informer<Widget>(Widget.Descriptor.CreateClient(cluster.Client), new InformerOptions { ResyncPeriod = null });
        var cts = new CancellationTokenSource();
        var run = widgets.RunAsync(cts.Token);
        stops.Add(new Stop(cts, run, Task.CompletedTask));
        await widgets.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        return widgets;
    }

    private static async Task DisposeAllAsync(List<IAsyncDisposable> stops)
    {
        // Controllers before the informers they read.
        for (var i = stops.Count - 1; i >= 0; i--)
        {
            await stops[i].DisposeAsync();
        }

        stops.Clear();
    }
}
