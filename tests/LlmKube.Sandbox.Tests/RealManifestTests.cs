using LlmKube.Sandbox.Tests.Infrastructure;

namespace LlmKube.Sandbox.Tests;

/// <summary>The project's own CRDs (config/crd/) and examples (examples/) against the sandbox, with the real kubectl.</summary>
public sealed class RealManifestTests
{
    [Fact]
    public async Task The_projects_CRDs_and_examples_apply_and_read_back_with_kubectl()
    {
        var root = RepositoryRoot();
        var crds = Path.Combine(root, "config", "crd");
        var examples = Path.Combine(root, "examples");
        Assert.True(Directory.GetFiles(crds, "*.yaml").Length >= 2, $"expected the generated CRDs in {crds}");
        await using var sandbox = await TestSandbox.StartAsync();
        var kubectl = sandbox.Kubectl;

        (await kubectl.RunAsync("apply", "-f", crds)).Ok();
        // The full resource name: kubectl expands short names from its discovery cache, which predates the CRDs here
        // (a real API server gives the same answer; kubectl re-discovers only for names it can map).
        var explained = (await kubectl.RunAsync("explain", "inferenceservices.spec.modelCache.claimName")).Ok().Output;
        Assert.Contains("FIELD: claimName <string>", explained, StringComparison.Ordinal);
        Assert.Contains("A PersistentVolumeClaim you own", explained, StringComparison.Ordinal);
        var metadata = (await kubectl.RunAsync("explain", "models.metadata")).Ok().Output;
        Assert.Contains("FIELD: metadata <ObjectMeta>", metadata, StringComparison.Ordinal);
        var applied = (await kubectl.RunAsync("apply", "-f", examples)).Ok().Output;
        Assert.Contains("inferenceservice.inference.llmkube.dev/", applied, StringComparison.Ordinal);
        Assert.Contains("model.inference.llmkube.dev/", applied, StringComparison.Ordinal);
        var again = (await kubectl.RunAsync("apply", "-f", examples)).Ok().Output;
        Assert.DoesNotContain("configured", again, StringComparison.Ordinal);
        Assert.DoesNotContain("created", again, StringComparison.Ordinal);

        var services = (await kubectl.RunAsync("get", "isvc")).Ok().Output;
        Assert.Contains("tinyllama", services, StringComparison.Ordinal);
        Assert.Contains("tinyllama", (await kubectl.RunAsync("get", "mdl")).Ok().Output, StringComparison.Ordinal);
        Assert.Contains("Spec:", (await kubectl.RunAsync("describe", "isvc", "tinyllama")).Ok().Output, StringComparison.Ordinal);
        (await kubectl.RunAsync("apply", "--server-side", "--force-conflicts", "-f", examples)).Ok();

        const string both = """
            apiVersion: inference.llmkube.dev/v1alpha1
            kind: InferenceService
            metadata: {name: contradictory}
            spec:
              modelRef: tinyllama
              modelCache: {claimName: my-cache, persistence: Ephemeral}
            """;
        var rejected = (await kubectl.RunWithInputAsync(both, "apply", "-f", "-")).Fails().Error;
        Assert.Contains("spec.modelCache", rejected, StringComparison.Ordinal);
        Assert.Contains("claimName cannot be set when persistence is Ephemeral", rejected, StringComparison.Ordinal);

        (await kubectl.RunAsync("delete", "-f", examples)).Ok();
        Assert.Contains("No resources found", (await kubectl.RunAsync("get", "isvc")).Ok().Error, StringComparison.Ordinal);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LlmKube.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("repository root (LlmKube.slnx) not found above " + AppContext.BaseDirectory);
    }
}
