using k8s;
using LlmKube.Api;
using LlmKube.Cli.Tests.Cluster;

namespace LlmKube.Cli.Tests;

public class DeletePurgeTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task Purge_is_refused_while_another_running_service_uses_the_same_entry_and_nothing_is_deleted()
    {
        var s = await CacheScenario.CreateAsync(cluster, "purge");
        await cluster.Client.CustomObjects.CreateNamespacedCustomObjectAsync(new Api.Services.InferenceService
        {
            Metadata = new k8s.Models.V1ObjectMeta { Name = "gamma", NamespaceProperty = s.Namespace },
            Spec = new Api.Services.InferenceServiceSpec { ModelRef = "alpha" },
        }, ApiGroup.Group, ApiGroup.Version, s.Namespace, Api.Services.InferenceService.Plural);
        await cluster.WaitForReadyAsync(s.Namespace, "gamma");

        var (code, stdout, stderr) = await cluster.CliAsync("delete", "alpha", "--purge-cache", "--yes", "-n", s.Namespace);

        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        Assert.Contains($"is in use by running service gamma (1/1 replicas ready): stop it first with llmkube scale gamma -r 0 -n {s.Namespace}", stderr, StringComparison.Ordinal);
        Assert.NotNull(await cluster.MaybeServiceAsync(s.Namespace, "alpha"));
        Assert.NotNull(await cluster.MaybeModelAsync(s.Namespace, "alpha"));
        Assert.True(Directory.Exists(Path.Combine(s.SharedDir, CacheScenario.KeyA)));
    }

    [Fact]
    public async Task Purge_without_yes_and_without_a_terminal_deletes_nothing()
    {
        var s = await CacheScenario.CreateAsync(cluster, "purge");

        var (code, _, stderr) = await cluster.CliAsync("delete", "beta", "--purge-cache", "-n", s.Namespace);

        Assert.Equal(1, code);
        Assert.Contains("purging the cache needs confirmation and there is no terminal to ask on: add --yes", stderr, StringComparison.Ordinal);
        Assert.NotNull(await cluster.MaybeServiceAsync(s.Namespace, "beta"));
    }

    [Fact]
    public async Task Purge_deletes_the_service_removes_its_entry_from_the_users_claim_then_deletes_the_model()
    {
        var s = await CacheScenario.CreateAsync(cluster, "purge");
        var before = await s.ClaimSnapshotAsync("mine");
        var size = CacheScenario.Size(Path.Combine(s.UserDir, CacheScenario.KeyB));

        var (code, stdout, stderr) = await cluster.CliAsync("delete", "beta", "--purge-cache", "--yes", "-n", s.Namespace);

        Assert.True(code == 0, stdout + stderr);
        Assert.Equal(
            $"inferenceservice {s.Namespace}/beta deleted\n" +
            $"removed cache entry {CacheScenario.KeyB}/ ({size}) from claim mine in namespace {s.Namespace}\n" +
            $"model {s.Namespace}/beta deleted\n", stdout);
        Assert.False(Directory.Exists(Path.Combine(s.UserDir, CacheScenario.KeyB)));
        Assert.Null(await cluster.MaybeServiceAsync(s.Namespace, "beta"));
        Assert.Null(await cluster.MaybeModelAsync(s.Namespace, "beta"));
        Assert.Equal(before, await s.ClaimSnapshotAsync("mine"));
        Assert.True(Directory.Exists(Path.Combine(s.SharedDir, CacheScenario.KeyA)));
        await s.AssertNoJobsLeftAsync();
    }

    [Fact]
    public async Task Purge_of_an_ephemeral_service_has_nothing_to_remove_and_says_so()
    {
        var ns = await cluster.NamespaceAsync("purge");
        await cluster.CliAsync("deploy", "eph", "-s", CacheScenario.SourceA, "--ephemeral", "-n", ns, "--wait", "--timeout", "30s");

        var (code, stdout, _) = await cluster.CliAsync("delete", "eph", "--purge-cache", "-n", ns);

        Assert.Equal(0, code);
        Assert.Contains("nothing to purge: the model is not on a cache claim (emptyDir", stdout, StringComparison.Ordinal);
        Assert.Null(await cluster.MaybeServiceAsync(ns, "eph"));
    }

    [Fact]
    public async Task Purge_without_a_service_refuses_and_says_how_to_clear_first()
    {
        var ns = await cluster.NamespaceAsync("purge");
        await cluster.Client.CustomObjects.CreateNamespacedCustomObjectAsync(new Api.Models.Model
        {
            Metadata = new k8s.Models.V1ObjectMeta { Name = "solo", NamespaceProperty = ns },
            Spec = new Api.Models.ModelSpec { Source = CacheScenario.SourceA },
        }, ApiGroup.Group, ApiGroup.Version, ns, Api.Models.Model.Plural);

        var (code, _, stderr) = await cluster.CliAsync("delete", "solo", "--purge-cache", "--yes", "-n", ns);

        Assert.Equal(1, code);
        Assert.Contains($"first run llmkube cache clear --model solo --claim CLAIM -n {ns}", stderr, StringComparison.Ordinal);
        Assert.NotNull(await cluster.MaybeModelAsync(ns, "solo"));
    }
}
