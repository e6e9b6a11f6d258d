using k8s;
using k8s.Models;
using LlmKube.Sandbox;
using LlmKube.Tests.Shared;

namespace LlmKube.ControllerRuntime.Tests.Support;

/// <summary>
/// The real API server emulator (<see cref="SandboxServer"/>) for one test, with namespace <c>ns</c> and the Widget
/// CRD created through the API as a client would, an admin client for the test's own reads and writes, and
/// kubeconfigs for other users (so request counters tell a controller's requests from the test's).
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    public const string Namespace = "ns";

    private readonly string _dir;

    private TestCluster(SandboxServer server, string dir)
    {
        Server = server;
        _dir = dir;
        Config = KubernetesClientConfiguration.BuildConfigFromConfigFile(server.WriteKubeconfig(Path.Combine(dir, "admin.kubeconfig")));
        Client = new Kubernetes(Config);
    }

    public SandboxServer Server { get; }

    public SandboxControl Control => Server.Control;

    /// <summary>The admin's configuration (plain HTTP).</summary>
    public KubernetesClientConfiguration Config { get; }

    /// <summary>The admin's client.</summary>
    public Kubernetes Client { get; }

    /// <summary>What the sandbox has answered so far (see <see cref="SandboxControl.ResetRequestCounts"/>).</summary>
    public RequestCountSnapshot Requests => Control.GetRequestCounts();

    /// <summary>Starts a sandbox; with <paramref name="installWidgets"/> the Widget CRD is created and established first.</summary>
    public static async Task<TestCluster> StartAsync(SandboxOptions? options = null, bool installWidgets = true)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"llmkube-runtime-tests-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        var server = await SandboxServer.StartAsync(options ?? new SandboxOptions());
        var cluster = new TestCluster(server, dir);
        try
        {
            await cluster.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = Namespace } });
            if (installWidgets)
            {
                await cluster.InstallWidgetCrdAsync();
            }
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    /// <summary>Creates the Widget CRD and waits until the API server reports it Established.</summary>
    public async Task InstallWidgetCrdAsync()
    {
        await Client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(WidgetCrd.Build());
        await Eventually.TrueAsync(async () =>
        {
            var crd = await Client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(WidgetCrd.Name);
            return crd.Status?.Conditions?.Any(c => c.Type == "Established" && c.Status == "True") == true;
        }, "Widget CRD established");
    }

    /// <summary>The configuration a process running as <paramref name="user"/> would load from its kubeconfig (HTTPS, bearer token).</summary>
    public KubernetesClientConfiguration ConfigFor(string user)
    {
        var file = new string(user.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()) + ".kubeconfig";
        return KubernetesClientConfiguration.BuildConfigFromConfigFile(Server.WriteKubeconfig(Path.Combine(_dir, file), user));
    }

    public Task<Widget> CreateWidgetAsync(Widget w) =>
        Client.CustomObjects.CreateNamespacedCustomObjectAsync<Widget>(w, "demo.llmkube.dev", "v1", w.Metadata.NamespaceProperty, "widgets");

    public Task DeleteWidgetAsync(string ns, string name) =>
        Client.CustomObjects.DeleteNamespacedCustomObjectAsync("demo.llmkube.dev", "v1", ns, "widgets", name);

    public Task<string?> PatchWidgetSizeAsync(string ns, string name, int size) =>
        Widget.Descriptor.CreateClient(Client).PatchAsync(ns, name,
            PatchHelper<Widget>.MergePatch(new System.Text.Json.Nodes.JsonObject { ["spec"] = new System.Text.Json.Nodes.JsonObject { ["size"] = size } }),
            status: false, CancellationToken.None);

    public Task<V1ConfigMap> CreateConfigMapAsync(string ns, string name, Dictionary<string, string>? labels = null) =>
        Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = labels }, Data = new Dictionary<string, string> { ["k"] = "v" } }, ns);

    /// <summary>Waits until <paramref name="count"/> watches of <paramref name="resource"/> have been opened and one is open now.</summary>
    public Task WatchOpenedAsync(string resource, int count = 1) =>
        Eventually.TrueAsync(() => Requests.Count("watch", resource) == count && Control.OpenWatches == 1, $"watch #{count} of {resource} open");

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}
