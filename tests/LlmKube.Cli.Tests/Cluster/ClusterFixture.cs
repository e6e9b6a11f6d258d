using System.Text;
using k8s;
using k8s.Models;
using LlmKube.Api;
using LlmKube.Api.Models;
using LlmKube.Api.Schema;
using LlmKube.Api.Services;
using LlmKube.ControllerRuntime;
using LlmKube.Operator.Configuration;
using LlmKube.Operator.Hosting;
using LlmKube.Sandbox;
using LlmKube.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmKube.Cli.Tests.Cluster;

/// <summary>
/// A sandbox API server with our CRDs, the operator running in-process (as sandbox up runs it), Deployments marked
/// ready and claims bound by simulation, a kubeconfig for the CLI, and a stand-in kubelet for the CLI's cache Jobs.
/// One per cluster test class (<c>IClassFixture</c>): the classes run in parallel, each on its own cluster, since
/// their time is mostly spent waiting on the operator; a class's tests run one at a time, each in its own namespace,
/// so <see cref="FakeKubelet.Stalled"/> and all-namespace listings only ever see that class's objects.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const string OperatorUser = "system:serviceaccount:llmkube-system:llmkube";

    private readonly CancellationTokenSource _stop = new();
    private OperatorHost? _operator;
    private Task? _running;
    private int _namespaces;

    public SandboxServer Server { get; private set; } = null!;

    public IKubernetes Client { get; private set; } = null!;

    public string Kubeconfig { get; private set; } = null!;

    public FakeKubelet Kubelet { get; private set; } = null!;

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), $"llmkube-cli-tests-{Guid.NewGuid():N}");

    /// <summary>The options the operator runs with (the CLI must not need to know them).</summary>
    public OperatorOptions OperatorOptions { get; init; } = new() { HealthPort = 0, MetricsPort = 0 };

    public async Task InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(Directory);
        Server = await SandboxServer.StartAsync(new SandboxOptions
        {
            Simulation = new SimulationOptions { PvcBinding = true, Deployments = true, Delay = TimeSpan.FromMilliseconds(50) },
        });
        Kubeconfig = Server.WriteKubeconfig(Path.Combine(Directory, "admin.kubeconfig"));
        Client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(Kubeconfig));
        foreach (var crd in CrdDefinitions.All())
        {
            await Client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd);
        }

        await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "llmkube-system" } });
        var operatorConfig = KubernetesClientConfiguration.BuildConfigFromConfigFile(new MemoryStream(Encoding.UTF8.GetBytes(Server.KubeconfigYaml(OperatorUser))));
        _operator = new OperatorHost(operatorConfig, OperatorOptions with { HealthPort = 0, MetricsPort = 0 }, NullLoggerFactory.Instance);
        _running = _operator.RunAsync(_stop.Token);
        Kubelet = new FakeKubelet(Client, Path.Combine(Directory, "claims"));
        Kubelet.Start();
    }

    public async Task DisposeAsync()
    {
        await Kubelet.DisposeAsync();
        await _stop.CancelAsync();
        try
        {
            await _running!;
        }
        catch (OperationCanceledException)
        {
        }

        await _operator!.DisposeAsync();
        Client.Dispose();
        await Server.DisposeAsync();
        _stop.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A fresh namespace for one test.</summary>
    public async Task<string> NamespaceAsync(string prefix)
    {
        var name = $"{prefix}-{Interlocked.Increment(ref _namespaces)}";
        await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        return name;
    }

    /// <summary>Runs the CLI against this cluster (adds --kubeconfig).</summary>
    public Task<(int ExitCode, string Stdout, string Stderr)> CliAsync(params string[] args) => CliRunner.RunAsync([.. args, "--kubeconfig", Kubeconfig]);

    /// <summary>Same, with a terminal on stdin that answers <paramref name="answer"/>.</summary>
    public Task<(int ExitCode, string Stdout, string Stderr)> CliAnsweringAsync(string answer, params string[] args) =>
        CliRunner.RunAsync(new Output.CliEnvironment(new StringReader(answer + "\n"), false, true), [.. args, "--kubeconfig", Kubeconfig]);

    public async Task<V1PersistentVolumeClaim> CreateClaimAsync(string ns, string name, IDictionary<string, string>? labels = null)
    {
        var claim = await Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(new V1PersistentVolumeClaim
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = labels },
            Spec = new V1PersistentVolumeClaimSpec
            {
                AccessModes = ["ReadWriteOnce"],
                Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("20Gi") } },
            },
        }, ns);
        await Eventually.ThatAsync(() => Client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync(name, ns), c => c.Status?.Phase == "Bound", $"claim {ns}/{name} bound");
        return claim;
    }

    public async Task<InferenceService> ServiceAsync(string ns, string name) =>
        await Client.CustomObjects.GetNamespacedCustomObjectAsync<InferenceService>(ApiGroup.Group, ApiGroup.Version, ns, InferenceService.Plural, name);

    public async Task<InferenceService?> MaybeServiceAsync(string ns, string name) => await NotFound.OrNullAsync(() => ServiceAsync(ns, name));

    public async Task<Model?> MaybeModelAsync(string ns, string name) =>
        await NotFound.OrNullAsync(() => Client.CustomObjects.GetNamespacedCustomObjectAsync<Model>(ApiGroup.Group, ApiGroup.Version, ns, Model.Plural, name));

    public Task<InferenceService> WaitForServiceAsync(string ns, string name, Func<InferenceService, bool> condition, string what) =>
        Eventually.ThatAsync(() => ServiceAsync(ns, name), s => s.Status?.ObservedGeneration == s.Metadata.Generation && condition(s), $"{ns}/{name}: {what}");

    public Task<InferenceService> WaitForReadyAsync(string ns, string name) =>
        WaitForServiceAsync(ns, name, s => s.Status?.Phase == ServicePhases.Ready && s.Status.ModelCache is not null, "Ready");

}

