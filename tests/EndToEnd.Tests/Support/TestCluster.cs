using k8s;
using k8s.Models;
using LlmKube.Api.Models;
using LlmKube.Api.Services;
using LlmKube.ControllerRuntime;
using LlmKube.Sandbox;
using LlmKube.Tests.Shared;

namespace EndToEnd.Tests.Support;

/// <summary>
/// A sandbox API server with our CRDs applied by kubectl, a kubeconfig for kubectl (admin) and one for the
/// operator (its own user, so request counters tell its writes apart), and a KubernetesClient for assertions.
/// </summary>
internal sealed class TestCluster : IAsyncDisposable
{
    public const string OperatorNamespace = "llmkube-system";

    public const string OperatorUser = "system:serviceaccount:" + OperatorNamespace + ":llmkube-operator";

    private readonly string _dir;

    private TestCluster(SandboxServer server, string dir)
    {
        Server = server;
        _dir = dir;
        AdminKubeconfig = server.WriteKubeconfig(Path.Combine(dir, "admin.kubeconfig"));
        OperatorKubeconfig = server.WriteKubeconfig(Path.Combine(dir, "operator.kubeconfig"), OperatorUser);
        Kubectl = new Kubectl(AdminKubeconfig, Path.Combine(dir, "kubectl-cache"));
        Client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(AdminKubeconfig));
    }

    public SandboxServer Server { get; }

    public string AdminKubeconfig { get; }

    public string OperatorKubeconfig { get; }

    public Kubectl Kubectl { get; }

    public IKubernetes Client { get; }

    public static async Task<TestCluster> StartAsync(SandboxOptions? options = null)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"llmkube-e2e-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        var server = await SandboxServer.StartAsync(options ?? new SandboxOptions());
        var cluster = new TestCluster(server, dir);
        await cluster.Kubectl.OkAsync("apply", "-f", RepoPaths.Combine("config", "crd"));
        // The operator's own namespace exists wherever it is installed; it publishes its configuration there.
        if (await NotFound.OrNullAsync(() => cluster.Client.CoreV1.ReadNamespaceAsync(OperatorNamespace)) is null)
        {
            await cluster.CreateNamespaceAsync(OperatorNamespace); // (sandboxes given RBAC role files have it already)
        }

        return cluster;
    }

    public Task<OperatorProcess> StartOperatorAsync(params string[] args) => OperatorProcess.StartAsync(OperatorKubeconfig, args);

    public async Task CreateNamespaceAsync(string name) =>
        await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });

    public async Task ApplyAsync(string yaml, string ns)
    {
        var (code, _, stderr) = await Kubectl.ApplyAsync(yaml, ns);
        Assert.True(code == 0, $"kubectl apply failed: {stderr}");
    }

    public async Task<InferenceService?> GetInferenceServiceAsync(string ns, string name) => await GetAsync<InferenceService>(ns, InferenceService.Plural, name);

    public async Task<Model?> GetModelAsync(string ns, string name) => await GetAsync<Model>(ns, Model.Plural, name);

    public async Task<V1PersistentVolumeClaim?> GetClaimAsync(string ns, string name) =>
        await NotFound.OrNullAsync(() => Client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync(name, ns));

    public async Task<V1Deployment?> GetDeploymentAsync(string ns, string name) =>
        await NotFound.OrNullAsync(() => Client.AppsV1.ReadNamespacedDeploymentAsync(name, ns));

    public async Task<IList<Corev1Event>> EventsAsync(string ns, string involvedName) =>
        (await Client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: $"involvedObject.name={involvedName}")).Items;

    /// <summary>Polls until <paramref name="condition"/> holds; fails with <paramref name="what"/> and the last value seen.</summary>
    public static Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> condition, string what, TimeSpan? timeout = null) =>
        Eventually.ThatAsync(read, condition, what, timeout, TimeSpan.FromMilliseconds(100));

    public Task<InferenceService?> WaitForServiceAsync(string ns, string name, Func<InferenceService, bool> condition, string what, TimeSpan? timeout = null) =>
        EventuallyAsync(() => GetInferenceServiceAsync(ns, name), s => s is not null && condition(s), $"{ns}/{name}: {what}", timeout);

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
        }
    }

    private async Task<T?> GetAsync<T>(string ns, string plural, string name)
        where T : class
    {
        var result = await NotFound.OrNullAsync(() => Client.CustomObjects.GetNamespacedCustomObjectAsync<T>(LlmKube.Api.ApiGroup.Group, LlmKube.Api.ApiGroup.Version, ns, plural, name));
        return result;
    }

}
