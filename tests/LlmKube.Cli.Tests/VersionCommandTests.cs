using k8s;
using k8s.Models;
using LlmKube.Api;
using LlmKube.Sandbox;

namespace LlmKube.Cli.Tests;

/// <summary>
/// <c>llmkube version</c> against a bare sandbox of its own (no operator), so the ConfigMaps each test creates are the
/// only ones the label search can find.
/// </summary>
public sealed class VersionCommandTests : IAsyncLifetime
{
    private const string ConfigMapName = "llmkube-operator-config";
    private SandboxServer _server = null!;
    private string _kubeconfig = null!;
    private IKubernetes _client = null!;

    public async Task InitializeAsync()
    {
        _server = await SandboxServer.StartAsync(new SandboxOptions { Rbac = new RbacOptions { Enforce = true } });
        _kubeconfig = _server.WriteKubeconfig(Path.Combine(Path.GetTempPath(), $"llmkube-version-{Guid.NewGuid():N}.kubeconfig"));
        _client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(_kubeconfig));
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
        File.Delete(_kubeconfig);
    }

    [Fact]
    public async Task Client_only_never_needs_a_cluster()
    {
        var (code, stdout, _) = await CliRunner.RunAsync("version", "--client", "--kubeconfig", "/nonexistent/kubeconfig");

        Assert.Equal(0, code);
        Assert.Equal($"Client Version: {ProductVersion.Current}\n", stdout);
    }

    [Fact]
    public async Task Reads_the_operator_version_from_the_configmap_in_its_namespace()
    {
        await PublishAsync("llmkube-system", ProductVersion.Current);

        var (code, stdout, stderr) = await CliRunner.RunAsync("version", "--kubeconfig", _kubeconfig);

        Assert.Equal(0, code);
        Assert.Equal($"Client Version: {ProductVersion.Current}\nOperator Version: {ProductVersion.Current} (ConfigMap llmkube-system/{ConfigMapName})\n", stdout);
        Assert.Equal("", stderr);
    }

    [Fact]
    public async Task Operator_namespace_flag_names_where_the_operator_runs_and_a_different_version_is_warned_about()
    {
        await PublishAsync("platform", "9.8.7", labelled: false);

        var (code, stdout, stderr) = await CliRunner.RunAsync("version", "--operator-namespace", "platform", "--kubeconfig", _kubeconfig);

        Assert.Equal(0, code);
        Assert.Contains($"Operator Version: 9.8.7 (ConfigMap platform/{ConfigMapName})", stdout, StringComparison.Ordinal);
        Assert.Contains($"warning: this CLI is {ProductVersion.Current} and the operator 9.8.7", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Finds_an_operator_in_another_namespace_by_its_label()
    {
        await PublishAsync("ops", "1.2.3");

        var (code, stdout, _) = await CliRunner.RunAsync("version", "--kubeconfig", _kubeconfig);

        Assert.Equal(0, code);
        Assert.Contains($"Operator Version: 1.2.3 (ConfigMap ops/{ConfigMapName})", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_an_operator_it_says_where_it_looked()
    {
        var (code, stdout, _) = await CliRunner.RunAsync("version", "--kubeconfig", _kubeconfig);

        Assert.Equal(0, code);
        Assert.Contains($"Operator Version: unknown (no ConfigMap {ConfigMapName} in namespace llmkube-system, and none labelled app.kubernetes.io/component=operator-config in any namespace", stdout, StringComparison.Ordinal);
        Assert.Contains("--operator-namespace", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task When_rbac_forbids_both_reads_it_says_so_and_what_to_pass()
    {
        var alice = _server.WriteKubeconfig(Path.Combine(Path.GetTempPath(), $"llmkube-version-alice-{Guid.NewGuid():N}.kubeconfig"), "alice");
        try
        {
            var (code, stdout, _) = await CliRunner.RunAsync("version", "--kubeconfig", alice);

            Assert.Equal(0, code);
            Assert.Contains($"Operator Version: unknown (reading ConfigMap llmkube-system/{ConfigMapName} is forbidden, and listing ConfigMaps in all namespaces is forbidden: pass --operator-namespace", stdout, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(alice);
        }
    }

    [Fact]
    public async Task Without_a_cluster_the_client_version_is_still_printed_with_the_reason()
    {
        var (code, stdout, _) = await CliRunner.RunAsync("version", "--kubeconfig", "/nonexistent/kubeconfig");

        Assert.Equal(0, code);
        Assert.StartsWith($"Client Version: {ProductVersion.Current}\nOperator Version: unknown (no kubeconfig at /nonexistent/kubeconfig", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_output_carries_both_versions_and_the_published_configuration()
    {
        await PublishAsync("llmkube-system", ProductVersion.Current);

        var (code, stdout, _) = await CliRunner.RunAsync("version", "-o", "json", "--kubeconfig", _kubeconfig);

        Assert.Equal(0, code);
        var document = System.Text.Json.Nodes.JsonNode.Parse(stdout)!;
        Assert.Equal(ProductVersion.Current, (string?)document["clientVersion"]);
        Assert.Equal(ProductVersion.Current, (string?)document["operator"]!["version"]);
        Assert.Equal("shared", (string?)document["operator"]!["configuration"]!["modelCacheMode"]);
    }

    private async Task PublishAsync(string ns, string version, bool labelled = true)
    {
        await _client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        await _client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta
            {
                Name = ConfigMapName,
                Labels = labelled
                    ? new Dictionary<string, string> { ["app.kubernetes.io/name"] = "llmkube", ["app.kubernetes.io/component"] = "operator-config", ["app.kubernetes.io/managed-by"] = "llmkube-operator" }
                    : null,
            },
            Data = new Dictionary<string, string> { ["version"] = version, ["modelCacheMode"] = "shared", ["modelCacheEnabled"] = "true" },
        }, ns);
    }
}
