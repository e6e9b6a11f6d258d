using LlmKube.Tests.Shared;

namespace LlmKube.Cli.Tests;

public class SandboxUpCommandTests
{
    [Fact]
    public async Task Up_applies_the_examples_settles_them_and_reports_where_each_model_lives()
    {
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"llmkube-up-{Guid.NewGuid():N}.kubeconfig");

        var (code, stdout, stderr) = await CliRunner.RunAsync("sandbox", "up", "-f", RepoPaths.Combine("examples"), "--once", "--kubeconfig", kubeconfig);

        Assert.True(code == 0, stdout + stderr);
        foreach (var name in new[] { "tinyllama", "llama-3-2-3b", "phi-3-mini", "tinyllama-ephemeral", "tinyllama-staged" })
        {
            Assert.Contains($"inferenceservice default/{name}: Ready (1/1 replicas ready)", stdout, StringComparison.Ordinal);
        }

        Assert.Contains("cache:      your claim my-model-cache (spec.modelCache.claimName)", stdout, StringComparison.Ordinal);
        Assert.Contains("cache:      shared claim llmkube-model-cache", stdout, StringComparison.Ordinal);
        Assert.Contains("cache:      emptyDir", stdout, StringComparison.Ordinal);
        Assert.Contains("cache:      pvc:// source claim model-store", stdout, StringComparison.Ordinal);
        Assert.Contains("ModelCacheReady:      True (ClaimBound)", stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(kubeconfig));
    }

    [Fact]
    public async Task Up_in_per_service_mode_reports_owned_claims()
    {
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"llmkube-up-{Guid.NewGuid():N}.kubeconfig");

        var (code, stdout, _) = await CliRunner.RunAsync("sandbox", "up", "-f", RepoPaths.Combine("examples", "per-service.yaml"), "--once", "--kubeconfig", kubeconfig, "--model-cache-mode", "perService");

        Assert.Equal(0, code);
        Assert.Contains("cache:      perService claim phi-3-mini-model-cache", stdout, StringComparison.Ordinal);
    }
}
