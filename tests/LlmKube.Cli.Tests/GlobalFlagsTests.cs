using k8s;
using LlmKube.Cli.Tests.Cluster;
using LlmKube.Tests.Shared;

namespace LlmKube.Cli.Tests;

public class GlobalFlagsTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private const string Source = "https://models.example.invalid/flags/model.gguf";

    [Fact]
    public async Task The_namespace_comes_from_the_kubeconfig_context_when_n_is_not_given()
    {
        var ns = await cluster.NamespaceAsync("context");
        var kubeconfig = Path.Combine(cluster.Directory, $"{ns}.kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, cluster.Server.KubeconfigYaml().Replace("namespace: \"default\"", $"namespace: \"{ns}\"", StringComparison.Ordinal));

        var (code, stdout, stderr) = await CliRunner.RunAsync("deploy", "here", "-s", Source, "--kubeconfig", kubeconfig);

        Assert.True(code == 0, stderr);
        Assert.Contains($"model {ns}/here created", stdout, StringComparison.Ordinal);
        Assert.NotNull(await cluster.MaybeServiceAsync(ns, "here"));
    }

    [Fact]
    public async Task KUBECONFIG_is_used_when_no_flag_is_given()
    {
        var ns = await cluster.NamespaceAsync("env");
        var before = Environment.GetEnvironmentVariable("KUBECONFIG");
        Environment.SetEnvironmentVariable("KUBECONFIG", $"/nonexistent/config{Path.PathSeparator}{cluster.Kubeconfig}");
        try
        {
            var (code, _, stderr) = await CliRunner.RunAsync("list", "-n", ns);

            Assert.Equal(0, code);
            Assert.Contains($"No inference services found in namespace {ns}.", stderr, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("KUBECONFIG", before);
        }
    }

    [Fact]
    public async Task Unknown_flags_are_usage_errors_with_exit_2_and_a_pointer_to_help()
    {
        var (code, stdout, stderr) = await cluster.CliAsync("cache", "list", "--bogus");
        var (output, _, outputErr) = await cluster.CliAsync("list", "-o", "xml");

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Contains("error: Unrecognized command or argument '--bogus'", stderr, StringComparison.Ordinal);
        Assert.EndsWith("see: llmkube cache list --help\n", stderr, StringComparison.Ordinal);
        Assert.Equal(2, output);
        Assert.Contains("xml", outputErr, StringComparison.Ordinal);
    }
}

public class ClusterErrorsTests
{
    [Fact]
    public async Task A_missing_kubeconfig_is_exit_5_naming_the_flag()
    {
        var (code, stdout, stderr) = await CliRunner.RunAsync("list", "--kubeconfig", "/nonexistent/kubeconfig");

        Assert.Equal(5, code);
        Assert.Equal("", stdout);
        Assert.Equal("error: no kubeconfig at /nonexistent/kubeconfig: pass the path of an existing file to --kubeconfig\n", stderr);
    }

    [Fact]
    public async Task An_unreachable_cluster_is_exit_5_in_one_line()
    {
        var port = LocalPorts.Free();
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"llmkube-unreachable-{Guid.NewGuid():N}.kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, string.Join('\n',
            "apiVersion: v1", "kind: Config",
            "clusters:", "- name: c", "  cluster:", $"    server: http://127.0.0.1:{port}",
            "users:", "- name: u", "  user:", "    token: t",
            "contexts:", "- name: x", "  context:", "    cluster: c", "    user: u",
            "current-context: x"));

        var (code, _, stderr) = await CliRunner.RunAsync("status", "x", "--kubeconfig", kubeconfig);

        Assert.Equal(5, code);
        Assert.StartsWith($"error: cannot reach http://127.0.0.1:{port}", stderr, StringComparison.Ordinal);
        Assert.Contains("check that the cluster (or llmkube sandbox) is running", stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Trim().Split('\n'));
    }

    [Fact]
    public async Task A_cluster_without_the_crds_or_without_permission_says_what_to_do()
    {
        await using var server = await Sandbox.SandboxServer.StartAsync(new Sandbox.SandboxOptions { Rbac = new Sandbox.RbacOptions { Enforce = true } });
        var admin = server.WriteKubeconfig(Path.Combine(Path.GetTempPath(), $"llmkube-nocrd-{Guid.NewGuid():N}.kubeconfig"));
        var nobody = server.WriteKubeconfig(Path.Combine(Path.GetTempPath(), $"llmkube-nobody-{Guid.NewGuid():N}.kubeconfig"), "nobody");

        var (crdCode, _, crdErr) = await CliRunner.RunAsync("list", "--kubeconfig", admin);
        var (statusCode, _, statusErr) = await CliRunner.RunAsync("status", "x", "--kubeconfig", admin);
        var (deployCode, _, deployErr) = await CliRunner.RunAsync("deploy", "x", "-s", "https://example.com/m.gguf", "--kubeconfig", admin);
        using (var client = new k8s.Kubernetes(k8s.KubernetesClientConfiguration.BuildConfigFromConfigFile(admin)))
        {
            foreach (var crd in Api.Schema.CrdDefinitions.All())
            {
                await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd);
            }
        }

        var (rbacCode, _, rbacErr) = await CliRunner.RunAsync("cache", "list", "--kubeconfig", nobody, "--no-read");

        Assert.Equal(5, crdCode);
        Assert.Equal("error: the cluster does not serve inferenceservices.inference.llmkube.dev: install llmkube's CRDs (kubectl apply -f config/crd/, or the Helm chart)\n", crdErr);
        // One message and one exit code, whichever command meets the missing CRDs first.
        Assert.Equal((5, 5), (statusCode, deployCode));
        Assert.Matches(@"^error: the cluster does not serve (inferenceservices|models)\.inference\.llmkube\.dev: install llmkube's CRDs", statusErr);
        Assert.Matches(@"^error: the cluster does not serve (inferenceservices|models)\.inference\.llmkube\.dev: install llmkube's CRDs", deployErr);
        Assert.Equal(5, rbacCode);
        Assert.StartsWith("error: forbidden: ", rbacErr, StringComparison.Ordinal);
        Assert.Contains("ask your cluster admin for that permission or use another --kubeconfig", rbacErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_lists_the_commands_their_flags_and_the_exit_codes()
    {
        var (code, root, _) = await CliRunner.RunAsync("--help");
        var (_, clear, _) = await CliRunner.RunAsync("cache", "clear", "--help");
        var (_, deploy, _) = await CliRunner.RunAsync("deploy", "--help");

        Assert.Equal(0, code);
        foreach (var command in new[] { "deploy", "list", "status", "delete", "scale", "cache", "render", "sandbox" })
        {
            Assert.Matches($@"\n\s+{command}\b", root);
        }

        Assert.Contains("Exit codes: 0 ok; 1 failed or refused", root, StringComparison.Ordinal);
        Assert.Contains("5 cluster unreachable or request refused", root, StringComparison.Ordinal);
        foreach (var flag in new[] { "--model", "--claim", "--key", "--yes", "--kubeconfig", "--namespace", "--output", "--fetcher-image", "--timeout" })
        {
            Assert.Contains(flag, clear, StringComparison.Ordinal);
        }

        foreach (var flag in new[] { "--source", "--sha256", "--replicas", "--gpu", "--gpu-count", "--context", "--cache-claim", "--ephemeral", "--wait", "--timeout" })
        {
            Assert.Contains(flag, deploy, StringComparison.Ordinal);
        }
    }
}
