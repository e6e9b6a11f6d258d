using k8s;
using LlmKube.Api.Cache;
using LlmKube.Api.Schema;
using LlmKube.Cli.Tests.Cluster;
using LlmKube.Tests.Shared;

namespace LlmKube.Cli.Tests;

/// <summary>The commands against the two sandbox commands users run: sandbox serve (no operator) and sandbox up.</summary>
public class SandboxCommandsTests
{
    private const string Source = "https://models.example.invalid/serve/model.gguf";

    [Fact]
    public async Task Against_sandbox_serve_without_an_operator_the_wiring_is_computed_and_said_to_be()
    {
        await using var serve = await BackgroundCli.StartAsync("sandbox", "serve", "--port", "0");
        foreach (var crd in CrdDefinitions.All())
        {
            await serve.Client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd);
        }

        var deploy = await serve.CliAsync("deploy", "alpha", "-s", Source);
        var list = await serve.CliAsync("list");
        var status = await serve.CliAsync("status", "alpha");
        var wait = await serve.CliAsync("deploy", "beta", "-s", Source + "?b", "--wait", "--timeout", "1s");
        var scale = await serve.CliAsync("scale", "alpha", "-r", "0");
        var cacheList = await serve.CliAsync("cache", "list", "--no-read");
        var clear = await serve.CliAsync("cache", "clear", "--model", "alpha", "--yes");
        var delete = await serve.CliAsync("delete", "alpha");

        Assert.True(deploy.ExitCode == 0, deploy.Stderr);
        Assert.Equal(0, list.ExitCode);
        Assert.Matches(@"\nalpha\s+alpha\s+-\s+0/1\s+shared\*\s+llmkube-model-cache\s+-\s+\d+s\n", list.Stdout);
        Assert.Contains("* computed by the operator's decision", list.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, status.ExitCode);
        Assert.Contains("  Phase:      (no status yet)\n", status.Stdout, StringComparison.Ordinal);
        Assert.Contains($"  Cache key:  {CacheKeys.Compute(Source)}\n", status.Stdout, StringComparison.Ordinal);
        Assert.Contains("  Claim:      llmkube-model-cache (not found in namespace default)\n", status.Stdout, StringComparison.Ordinal);
        Assert.Contains("  Reported:   computed: the operator has not reported it yet (assuming shared cache mode)\n", status.Stdout, StringComparison.Ordinal);
        Assert.Contains("  Operator:   unknown: no ConfigMap llmkube-operator-config in namespace llmkube-system", status.Stdout, StringComparison.Ordinal);
        Assert.Contains("and none labelled app.kubernetes.io/component=operator-config in any namespace: is the operator installed", status.Stdout, StringComparison.Ordinal);
        Assert.Contains("with the operator's default settings: its configuration is unknown", list.Stderr, StringComparison.Ordinal);
        Assert.Equal(4, wait.ExitCode);
        Assert.Contains("model (no status yet), service (no status yet) (0/1 ready)", wait.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, scale.ExitCode);
        Assert.Equal(0, cacheList.ExitCode);
        Assert.Matches(@"\nllmkube-model-cache\s+shared\s+Missing\s+-\s+unknown\s+alpha, beta\n", cacheList.Stdout);
        Assert.Equal(3, clear.ExitCode);
        Assert.Contains("error: no PersistentVolumeClaim llmkube-model-cache in namespace default", clear.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, delete.ExitCode);
    }

    [Fact]
    public async Task Against_sandbox_up_every_command_works_on_the_examples()
    {
        await using var up = await BackgroundCli.StartAsync("sandbox", "up", "-f", RepoPaths.Combine("examples"), "--port", "0");
        await using var kubelet = new FakeKubelet(up.Client, Path.Combine(Path.GetTempPath(), $"llmkube-up-claims-{Guid.NewGuid():N}"), sandboxSchedules: true);
        kubelet.Start();
        await Eventually.ThatAsync(async () => (await up.CliAsync("list", "-o", "json")).Stdout, json => json.Split("\"phase\": \"Ready\"").Length == 7, "six Ready services (one per example)", TimeSpan.FromSeconds(60));
        var orphan = CacheScenario.WriteEntry(kubelet.ClaimDirectory("default", "my-model-cache"), "00000000000000aa", "old.gguf", 300, null);

        var list = await up.CliAsync("list");
        var status = await up.CliAsync("status", "llama-3-2-3b");
        var deploy = await up.CliAsync("deploy", "extra", "-s", Source, "--wait", "--timeout", "30s");
        var scale = await up.CliAsync("scale", "extra", "-r", "2");
        var cacheList = await up.CliAsync("cache", "list");
        var inspect = await up.CliAsync("cache", "inspect", "my-model-cache");
        var clear = await up.CliAsync("cache", "clear", "--claim", "my-model-cache", "--key", "00000000000000aa", "--yes");
        var delete = await up.CliAsync("delete", "extra", "--purge-cache", "--yes");

        Assert.Equal(0, list.ExitCode);
        Assert.Matches(@"\nllama-3-2-3b\s+llama-3-2-3b\s+Ready\s+1/1\s+claim\s+my-model-cache\s+", list.Stdout);
        Assert.Matches(@"\ntinyllama-ephemeral\s+tinyllama-ephemeral\s+Ready\s+1/1\s+ephemeral\s+-\s+", list.Stdout);
        Assert.Matches(@"\ntinyllama-staged\s+\S+\s+Ready\s+1/1\s+pvcSource\s+model-store\s+", list.Stdout);
        Assert.Equal(0, status.ExitCode);
        Assert.Contains("  Claim:      my-model-cache (Bound, 20Gi, ReadWriteOnce)", status.Stdout, StringComparison.Ordinal);
        Assert.Contains("  Operator:   shared cache mode, caching on, claims of 100Gi", status.Stdout, StringComparison.Ordinal);
        Assert.True(deploy.ExitCode == 0, deploy.Stderr);
        Assert.Equal(0, scale.ExitCode);
        Assert.True(cacheList.ExitCode == 0, cacheList.Stdout + cacheList.Stderr);
        Assert.Matches(@"\nllmkube-model-cache\s+shared\s+Bound\s+100Gi\s+0\s+extra, phi-3-mini, tinyllama\n", cacheList.Stdout);
        Assert.Matches(@"\nmy-model-cache\s+yours\s+Bound\s+20Gi\s+\S+ B\s+llama-3-2-3b\n", cacheList.Stdout);
        Assert.Matches(@"\nmy-model-cache\s+00000000000000aa\s+orphaned\s+", cacheList.Stdout);
        Assert.Matches(@"\nllmkube-model-cache\s+[0-9a-f]{16}\s+in use\s+not fetched\s+extra\s+extra\n", cacheList.Stdout);
        Assert.Equal(0, inspect.ExitCode);
        Assert.Contains("Services: llama-3-2-3b (running)", inspect.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, clear.ExitCode);
        Assert.False(Directory.Exists(orphan));
        Assert.True(delete.ExitCode == 0, delete.Stdout + delete.Stderr);
        Assert.Contains("inferenceservice default/extra deleted", delete.Stdout, StringComparison.Ordinal);
        Assert.Contains($"cache entry {CacheKeys.Compute(Source)}/ was not on claim llmkube-model-cache in namespace default: nothing to remove", delete.Stdout, StringComparison.Ordinal);
        Assert.Contains("model default/extra deleted", delete.Stdout, StringComparison.Ordinal);
        Assert.NotNull(await up.Client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync("my-model-cache", "default"));
    }

    [Fact]
    public async Task Against_sandbox_up_in_per_service_mode_the_owned_claim_is_listed_and_goes_with_its_service()
    {
        await using var up = await BackgroundCli.StartAsync("sandbox", "up", "-f", RepoPaths.Combine("examples", "per-service.yaml"), "--model-cache-mode", "perService", "--port", "0");
        await Eventually.ThatAsync(async () => (await up.CliAsync("list")).Stdout, text => text.Contains("Ready", StringComparison.Ordinal), "Ready", TimeSpan.FromSeconds(60));

        var cacheList = await up.CliAsync("cache", "list", "--no-read");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var read = await up.CliAsync("cache", "list");
        var readTook = clock.Elapsed;
        var clear = await up.CliAsync("cache", "clear", "--claim", "phi-3-mini-model-cache", "--key", "0123456789abcdef", "--yes");
        var delete = await up.CliAsync("delete", "phi-3-mini", "--purge-cache");

        Assert.Equal(0, cacheList.ExitCode);
        Assert.Matches(@"\nphi-3-mini-model-cache\s+perService\s+Bound\s+100Gi\s+unknown\s+phi-3-mini\n", cacheList.Stdout);
        Assert.Equal(0, read.ExitCode);
        Assert.True(readTook < TimeSpan.FromSeconds(20), $"{readTook}");
        Assert.Contains("contents unknown: default/phi-3-mini-model-cache: the cache Job could not be scheduled: no nodes available to schedule pods: this API server is llmkube's sandbox, which runs no pods", read.Stdout, StringComparison.Ordinal);
        Assert.Equal(1, clear.ExitCode);
        Assert.Contains("the cache Job could not be scheduled: no nodes available to schedule pods: this API server is llmkube's sandbox, which runs no pods", clear.Stderr, StringComparison.Ordinal);
        Assert.True(delete.ExitCode == 0, delete.Stderr);
        Assert.Contains("nothing else to purge: the perService claim phi-3-mini-model-cache is owned by the service and deleted with it", delete.Stdout, StringComparison.Ordinal);
    }
}
