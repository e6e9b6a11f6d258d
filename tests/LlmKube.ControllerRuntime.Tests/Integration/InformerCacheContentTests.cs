using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using LlmKube.ControllerRuntime;
using LlmKube.ControllerRuntime.Tests.Support;
using LlmKube.Tests.Shared;
using static LlmKube.ControllerRuntime.Tests.Support.InformerTestOptions;

namespace LlmKube.ControllerRuntime.Tests.Integration;

/// <summary>What an informer's cache keeps of what the server sends: no managedFields, read-only labels, a transform's shape, shared pod-spec parts.</summary>
public class InformerCacheContentTests
{
    [Fact]
    public async Task Cached_objects_carry_no_managed_fields_unless_asked_and_an_informer_that_drops_them_never_decodes_them()
    {
        // The sandbox never returns managedFields (its README says so); a real API server returns them with every
        // object it lists and watches, so these clients' handlers add them to the bytes the sandbox sends, as the real
        // server would. For the dropping informer's client, the objects named "garbled-…" carry managedFields that are
        // not even a list: an informer that drops them must not decode them, in a list or in a watch, and so must not
        // lose an object, or its whole list, to them.
        await using var cluster = await TestCluster.StartAsync();
        await cluster.CreateWidgetAsync(Widget.New("ns", "listed"));
        await cluster.CreateWidgetAsync(Widget.New("ns", "garbled-listed"));
        using var garbling = new Kubernetes(cluster.Config, new ManagedFieldsOnTheWire(garble: true));
        using var wire = new Kubernetes(cluster.Config, new ManagedFieldsOnTheWire(garble: false));
        var stripped = new Informer<Widget>(Widget.Descriptor.CreateClient(garbling), Fast);
        var kept = new Informer<Widget>(Widget.Descriptor.CreateClient(wire), Fast with { KeepManagedFields = true });
        var handled = new ConcurrentQueue<Widget>();
        using var reg = stripped.AddEventHandler(e => handled.Enqueue(e.Object));
        using var cts = new CancellationTokenSource();
        var runs = Task.WhenAll(stripped.RunAsync(cts.Token), kept.RunAsync(cts.Token));
        await Task.WhenAll(stripped.WaitForSyncAsync(CancellationToken.None), kept.WaitForSyncAsync(CancellationToken.None)).WaitAsync(TimeSpan.FromSeconds(10));

        await cluster.CreateWidgetAsync(Widget.New("ns", "garbled-watched"));
        await cluster.CreateWidgetAsync(Widget.New("ns", "watched"));
        await Eventually.TrueAsync(() => stripped.Cache.Count == 4 && kept.Cache.Count == 4, "every widget cached");

        Assert.All(stripped.Cache.List(), w => Assert.Null(w.Metadata.ManagedFields));
        Assert.All(handled, w => Assert.Null(w.Metadata.ManagedFields));
        Assert.Equal(["garbled-listed", "garbled-watched", "listed", "watched"], handled.Select(w => w.Metadata.Name).Order());
        Assert.All(kept.Cache.List(), w => Assert.Equal("test", Assert.Single(w.Metadata.ManagedFields).Manager));
        await cts.CancelAsync();
        await runs;
    }

    [Fact]
    public async Task Cached_labels_from_the_list_and_from_the_watch_are_read_only()
    {
        // A reconcile that wrote into a cached object's labels would change what every other reader sees
        // (docs/SECURITY.md): whichever way an object arrives, its labels must refuse the write.
        await using var cluster = await TestCluster.StartAsync();
        await cluster.CreateConfigMapAsync("ns", "listed", new Dictionary<string, string> { ["app"] = "a" });
        var informer = new Informer<V1ConfigMap>(ResourceKinds.ConfigMaps.CreateClient(cluster.Client), Fast);
        using var cts = new CancellationTokenSource();
        var run = informer.RunAsync(cts.Token);
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        await cluster.CreateConfigMapAsync("ns", "watched", new Dictionary<string, string> { ["app"] = "b" });
        await Eventually.TrueAsync(() => informer.Cache.Get(new ObjectKey("ns", "watched")) != null, "the watched ConfigMap cached");

        foreach (var (name, app) in new[] { ("listed", "a"), ("watched", "b") })
        {
            var labels = informer.Cache.Get(new ObjectKey("ns", name))!.Metadata.Labels;
            Assert.Throws<NotSupportedException>(() => labels["app"] = "changed");
            Assert.Equal(app, labels["app"]);
        }

        await cts.CancelAsync();
        await run;
    }

    [Fact]
    public async Task A_transform_shapes_what_a_selected_cache_keeps_and_objects_leave_it_when_they_gain_the_label()
    {
        // The operator's metadata-only caches of other people's objects: "!label" selects what lacks our label, and
        // the transform keeps only metadata. An object that gains the label must leave the cache (a DELETED event).
        await using var cluster = await TestCluster.StartAsync();
        await cluster.CreateConfigMapAsync("ns", "ours", new Dictionary<string, string> { ["mine"] = "yes" });
        await cluster.CreateConfigMapAsync("ns", "theirs");
        var informer = new Informer<V1ConfigMap>(ResourceKinds.ConfigMaps.CreateClient(cluster.Client), Fast with { LabelSelector = "!mine" },
            transform: c => new V1ConfigMap { Metadata = new V1ObjectMeta { Name = c.Metadata.Name, NamespaceProperty = c.Metadata.NamespaceProperty, ResourceVersion = c.Metadata.ResourceVersion } });
        var seen = new ConcurrentQueue<InformerEvent<V1ConfigMap>>();
        using var reg = informer.AddEventHandler(seen.Enqueue);
        using var cts = new CancellationTokenSource();
        var run = informer.RunAsync(cts.Token);
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        await cluster.CreateConfigMapAsync("ns", "later");
        await Eventually.TrueAsync(() => informer.Cache.Count == 2, "the two unlabelled ConfigMaps cached");
        Assert.Equal(["later", "theirs"], informer.Cache.List().Select(c => c.Metadata.Name).Order());
        Assert.All(informer.Cache.List(), c => Assert.Null(c.Data));
        Assert.All(seen, e => Assert.Null(e.Object.Data));

        await cluster.Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"metadata":{"labels":{"mine":"yes"}}}""", V1Patch.PatchType.MergePatch), "theirs", "ns");
        await Eventually.TrueAsync(() => informer.Cache.Count == 1, "the ConfigMap that gained the label left the cache");
        Assert.Equal("later", Assert.Single(informer.Cache.List()).Metadata.Name);
        await cts.CancelAsync();
        await run;
    }

    [Fact]
    public async Task Cached_deployments_share_equal_pod_spec_parts_and_still_read_back_as_the_server_sent_them()
    {
        await using var cluster = await TestCluster.StartAsync();
        V1Deployment Deployment(string name) => new()
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "ns" },
            Spec = new V1DeploymentSpec
            {
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
                    Spec = new V1PodSpec
                    {
                        Containers =
                        [
                            new V1Container
                            {
                                Name = "server",
                                Image = "server:1",
                                Args = ["--name", name],
                                Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("1"), ["memory"] = new("2Gi") } },
                                SecurityContext = new V1SecurityContext { AllowPrivilegeEscalation = false, Capabilities = new V1Capabilities { Drop = ["ALL"] } },
                            },
                        ],
                    },
                },
            },
        };
        await cluster.Client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("a"), "ns");
        var parts = new SharedParts();
        var informer = new Informer<V1Deployment>(ResourceKinds.Deployments.CreateClient(cluster.Client), Fast, sharedParts: parts);
        using var cts = new CancellationTokenSource();
        var run = informer.RunAsync(cts.Token);
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        // b arrives by the watch, a came from the list: both paths share.
        await cluster.Client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("b"), "ns");
        await Eventually.TrueAsync(() => informer.Cache.Get(new ObjectKey("ns", "b")) != null, "b cached");

        var a = informer.Cache.Get(new ObjectKey("ns", "a"))!.Spec.Template.Spec.Containers[0];
        var b = informer.Cache.Get(new ObjectKey("ns", "b"))!.Spec.Template.Spec.Containers[0];
        Assert.Same(a.Resources, b.Resources);
        Assert.Same(a.SecurityContext, b.SecurityContext);
        Assert.NotSame(a.Args, b.Args);
        Assert.True(parts.Count > 0);
        foreach (var name in new[] { "a", "b" })
        {
            // Compared once the cache holds the version a GET returns (the sandbox may still be writing status).
            V1Deployment? live = null;
            await Eventually.TrueAsync(async () =>
            {
                live = await cluster.Client.AppsV1.ReadNamespacedDeploymentAsync(name, "ns");
                return informer.Cache.Get(new ObjectKey("ns", name))?.Metadata.ResourceVersion == live.Metadata.ResourceVersion;
            }, $"{name} cached at its latest version");
            live!.Metadata.ManagedFields = null;
            Assert.Equal(KubernetesJsonNodes.ToUtf8(live), KubernetesJsonNodes.ToUtf8(informer.Cache.Get(new ObjectKey("ns", name))!));
        }

        await cts.CancelAsync();
        await run;
    }
}
