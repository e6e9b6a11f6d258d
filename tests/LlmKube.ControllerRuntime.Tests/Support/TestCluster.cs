using System.Text.Json.Serialization;
using k8s;
using k8s.Models;
using LlmKube.ControllerRuntime;

namespace LlmKube.ControllerRuntime.Tests.Support;

/// <summary>A custom resource for tests (served under /apis/demo.llmkube.dev/v1).</summary>
[KubernetesEntity(Group = "demo.llmkube.dev", ApiVersion = "v1", Kind = "Widget", PluralName = "widgets")]
public sealed class Widget : IKubernetesObject<V1ObjectMeta>
{
    public static readonly ResourceKind<Widget> Descriptor = ResourceKind.Custom<Widget>();

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "demo.llmkube.dev/v1";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "Widget";

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public WidgetSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public WidgetStatus? Status { get; set; }

    public static Widget New(string ns, string name, int size = 1) =>
        new() { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns }, Spec = new WidgetSpec { Size = size } };
}

public sealed class WidgetSpec
{
    [JsonPropertyName("size")]
    public int Size { get; set; }
}

public sealed class WidgetStatus
{
    [JsonPropertyName("observedGeneration")]
    public long? ObservedGeneration { get; set; }

    [JsonPropertyName("phase")]
    public string? Phase { get; set; }

    [JsonPropertyName("conditions")]
    public IList<V1Condition>? Conditions { get; set; }
}

/// <summary>An API server for a test plus a client for it.</summary>
public sealed class TestCluster : IAsyncDisposable
{
    private TestCluster(MiniApiServer server)
    {
        Server = server;
        Config = new KubernetesClientConfiguration { Host = server.BaseAddress.ToString().TrimEnd('/') };
        Client = new Kubernetes(Config);
    }

    public MiniApiServer Server { get; }

    public KubernetesClientConfiguration Config { get; }

    public Kubernetes Client { get; }

    public static async Task<TestCluster> StartAsync(int historySize = 1000) => new(await MiniApiServer.StartAsync(historySize));

    public Task<Widget> CreateWidgetAsync(Widget w) =>
        Client.CustomObjects.CreateNamespacedCustomObjectAsync<Widget>(w, "demo.llmkube.dev", "v1", w.Metadata.NamespaceProperty, "widgets");

    public Task DeleteWidgetAsync(string ns, string name) =>
        Client.CustomObjects.DeleteNamespacedCustomObjectAsync("demo.llmkube.dev", "v1", ns, "widgets", name);

    public Task<V1ConfigMap> CreateConfigMapAsync(string ns, string name, Dictionary<string, string>? labels = null) =>
        Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = labels }, Data = new Dictionary<string, string> { ["k"] = "v" } }, ns);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }
}

public static class Eventually
{
    public static async Task True(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("timed out waiting for: " + what);
            }

            await Task.Delay(10);
        }
    }

    public static async Task True(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("timed out waiting for: " + what);
            }

            await Task.Delay(10);
        }
    }
}
