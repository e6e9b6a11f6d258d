using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using LlmKube.Sandbox.Tests.Infrastructure;
using LlmKube.Tests.Shared;

namespace LlmKube.Sandbox.Tests;

/// <summary>Watches through KubernetesClient: events, resume, 410 Expired, bookmarks, timeouts, selectors, drops.</summary>
public sealed class ClientWatchTests
{
    [Fact]
    public async Task Watch_streams_events_and_resumes_from_a_resourceVersion()
    {
        await using var sandbox = await TestSandbox.StartAsync();
        var client = sandbox.Client;
        await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("before"), "default");
        var list = await client.CoreV1.ListNamespacedConfigMapAsync("default");

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var seen = new List<(WatchEventType, string, string)>();
        var watching = Task.Run(async () =>
        {
            await foreach (var (type, item) in client.CoreV1.WatchListNamespacedConfigMapAsync("default", resourceVersion: list.Metadata.ResourceVersion, cancellationToken: cts.Token))
            {
                seen.Add((type, item.Metadata.Name, item.Metadata.ResourceVersion));
                if (type == WatchEventType.Deleted)
                {
                    return;
                }
            }
        }, cts.Token);

        await Eventually.TrueAsync(() => sandbox.Control.OpenWatches == 1, "the watch to open");
        var a = await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("a"), "default");
        a.Data = new Dictionary<string, string> { ["x"] = "1" };
        var modified = await client.CoreV1.ReplaceNamespacedConfigMapAsync(a, "a", "default");
        await client.CoreV1.DeleteNamespacedConfigMapAsync("a", "default");
        await watching;
        Assert.Equal([WatchEventType.Added, WatchEventType.Modified, WatchEventType.Deleted], seen.Select(s => s.Item1));
        Assert.All(seen, s => Assert.Equal("a", s.Item2));
        Assert.Equal(modified.Metadata.ResourceVersion, seen[1].Item3);

        var resumed = new List<(WatchEventType, string)>();
        using var resumeCts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await foreach (var (type, item) in client.CoreV1.WatchListNamespacedConfigMapAsync("default", resourceVersion: modified.Metadata.ResourceVersion, cancellationToken: resumeCts.Token))
        {
            resumed.Add((type, item.Metadata.Name));
            break;
        }

        Assert.Equal((WatchEventType.Deleted, "a"), resumed.Single());

        var initial = new List<(WatchEventType, string)>();
        await foreach (var (type, item) in client.CoreV1.WatchListNamespacedConfigMapAsync("default", cancellationToken: resumeCts.Token))
        {
            initial.Add((type, item.Metadata.Name));
            break;
        }

        Assert.Equal((WatchEventType.Added, "before"), initial.Single());
    }

    [Fact]
    public async Task A_resourceVersion_older_than_the_history_is_410_Expired_as_an_error_event()
    {
        await using var sandbox = await TestSandbox.StartAsync(new SandboxOptions { WatchHistorySize = 5 });
        var client = sandbox.Client;
        var first = await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("c0"), "default");
        for (var i = 1; i < 10; i++)
        {
            await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap($"c{i}"), "default");
        }

        Exception? error = null;
        var events = 0;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await foreach (var _ in client.CoreV1.WatchListNamespacedConfigMapAsync("default", resourceVersion: first.Metadata.ResourceVersion, onError: e => error = e, cancellationToken: cts.Token))
        {
            events++;
        }

        Assert.Equal(0, events);
        var expired = Assert.IsType<KubernetesException>(error);
        Assert.Equal(410, expired.Status.Code);
        Assert.Equal("Expired", expired.Status.Reason);
        Assert.StartsWith("too old resource version", expired.Status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bookmarks_arrive_soon_after_start_and_timeoutSeconds_ends_the_stream()
    {
        await using var sandbox = await TestSandbox.StartAsync(new SandboxOptions { BookmarkInterval = TimeSpan.FromMilliseconds(200) });
        var client = sandbox.Client;
        await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("a"), "default");
        var list = await client.CoreV1.ListNamespacedConfigMapAsync("default");
        var bookmarks = new List<string>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var started = DateTime.UtcNow;
        await foreach (var (type, item) in client.CoreV1.WatchListNamespacedConfigMapAsync(
            "default", resourceVersion: list.Metadata.ResourceVersion, allowWatchBookmarks: true, timeoutSeconds: 2, cancellationToken: cts.Token))
        {
            Assert.Equal(WatchEventType.Bookmark, type);
            bookmarks.Add(item.Metadata.ResourceVersion);
        }

        Assert.True(bookmarks.Count >= 2, $"expected an initial and a periodic bookmark, got {bookmarks.Count}");
        Assert.Equal(list.Metadata.ResourceVersion, bookmarks[0]);
        Assert.False(cts.IsCancellationRequested);
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromSeconds(1.5));
    }

    [Fact]
    public async Task Selector_transitions_become_added_and_deleted_and_drops_close_streams()
    {
        await using var sandbox = await TestSandbox.StartAsync();
        var client = sandbox.Client;
        var seen = new List<WatchEventType>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var watching = Task.Run(async () =>
        {
            await foreach (var (type, _) in client.CoreV1.WatchListNamespacedConfigMapAsync("default", labelSelector: "app=llm", cancellationToken: cts.Token))
            {
                seen.Add(type);
            }
        }, cts.Token);
        await Eventually.TrueAsync(() => sandbox.Control.OpenWatches == 1, "the watch to open");

        var cm = await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("x"), "default");
        cm.Metadata.Labels = new Dictionary<string, string> { ["app"] = "llm" };
        cm = await client.CoreV1.ReplaceNamespacedConfigMapAsync(cm, "x", "default");
        cm.Data = new Dictionary<string, string> { ["k"] = "v" };
        cm = await client.CoreV1.ReplaceNamespacedConfigMapAsync(cm, "x", "default");
        cm.Metadata.Labels = new Dictionary<string, string> { ["app"] = "other" };
        await client.CoreV1.ReplaceNamespacedConfigMapAsync(cm, "x", "default");
        await Eventually.TrueAsync(() => seen.Count == 3, "three events");

        Assert.Equal(1, sandbox.Control.DropWatches());
        await watching.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([WatchEventType.Added, WatchEventType.Modified, WatchEventType.Deleted], seen);
        Assert.Equal(0, sandbox.Control.OpenWatches);
    }

    [Fact]
    public async Task Custom_resources_watch_through_CustomObjects()
    {
        await using var sandbox = await TestSandbox.StartAsync();
        await sandbox.ApplyGadgetCrdAsync();
        var client = sandbox.Client;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var names = new List<string>();
        var watching = Task.Run(async () =>
        {
            await foreach (var (type, item) in client.CustomObjects.WatchListNamespacedCustomObjectAsync("test.llmkube.dev", "v1alpha1", "default", "gadgets", cancellationToken: cts.Token))
            {
                var element = (System.Text.Json.JsonElement)item;
                names.Add($"{type}:{element.GetProperty("metadata").GetProperty("name").GetString()}");
                return;
            }
        }, cts.Token);
        await Eventually.TrueAsync(() => sandbox.Control.OpenWatches == 1, "the watch to open");
        (await sandbox.Kubectl.RunAsync("apply", "-f", TestSandbox.Asset("gadgets.yaml"))).Ok();
        await watching;
        Assert.Equal("Added:alpha", names.Single());

        var missing = await Assert.ThrowsAsync<HttpOperationException>(() => client.CustomObjects.ListNamespacedCustomObjectAsync("nope.dev", "v1", "default", "things"));
        Assert.Equal(HttpStatusCode.NotFound, missing.Response.StatusCode);
    }

    [Fact]
    public async Task Kubectl_get_watch_prints_changes_as_table_rows()
    {
        await using var sandbox = await TestSandbox.StartAsync();
        var watching = sandbox.Kubectl.StartAsync("get", "configmaps", "--watch", "--request-timeout=3s");
        await Eventually.TrueAsync(() => sandbox.Control.OpenWatches == 1, "kubectl's watch to open");
        await sandbox.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "seen-by-kubectl" }, Data = new Dictionary<string, string> { ["a"] = "1" } }, "default");
        var result = await watching;
        Assert.Matches(@"seen-by-kubectl\s+1\s+\d+s", result.Output);
    }

    [Fact]
    public async Task A_CRD_with_two_versions_serves_the_same_objects_in_both()
    {
        await using var sandbox = await TestSandbox.StartAsync();
        const string crd = """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata: {name: things.test.llmkube.dev}
            spec:
              group: test.llmkube.dev
              scope: Cluster
              names: {kind: Thing, plural: things, singular: thing, listKind: ThingList}
              versions:
                - {name: v1beta1, served: true, storage: false, schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}
                - {name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}
            """;
        (await sandbox.Kubectl.RunWithInputAsync(crd, "apply", "-f", "-")).Ok();
        (await sandbox.Kubectl.RunWithInputAsync("""{"apiVersion":"test.llmkube.dev/v1beta1","kind":"Thing","metadata":{"name":"t"},"spec":{"x":1}}""", "apply", "-f", "-")).Ok();
        var v1 = await sandbox.Client.CustomObjects.GetClusterCustomObjectAsync<System.Text.Json.JsonElement>("test.llmkube.dev", "v1", "things", "t");
        Assert.Equal("test.llmkube.dev/v1", v1.GetProperty("apiVersion").GetString());
        var beta = await sandbox.Client.CustomObjects.GetClusterCustomObjectAsync<System.Text.Json.JsonElement>("test.llmkube.dev", "v1beta1", "things", "t");
        Assert.Equal("test.llmkube.dev/v1beta1", beta.GetProperty("apiVersion").GetString());
        Assert.Equal(1, beta.GetProperty("spec").GetProperty("x").GetInt32());
        Assert.Equal("test.llmkube.dev/v1", (await sandbox.Kubectl.RunAsync("get", "things", "t", "-o", "jsonpath={.apiVersion}")).Ok().Output);
    }

    private static V1ConfigMap ConfigMap(string name) => new() { Metadata = new V1ObjectMeta { Name = name } };
}
