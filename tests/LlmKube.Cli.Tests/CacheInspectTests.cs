using System.Text.Json.Nodes;
using LlmKube.Cli.Tests.Cluster;

namespace LlmKube.Cli.Tests;

public class CacheInspectTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task Cache_inspect_lists_entries_files_digests_sources_and_owners_of_one_claim()
    {
        var s = await CacheScenario.CreateAsync(cluster, "inspect");
        var before = await s.ClaimSnapshotAsync("mine");

        var (code, stdout, stderr) = await cluster.CliAsync("cache", "inspect", "mine", "-n", s.Namespace);
        var (sharedCode, shared, _) = await cluster.CliAsync("cache", "inspect", "llmkube-model-cache", "-n", s.Namespace, "-o", "json");

        Assert.True(code == 0, stdout + stderr);
        Assert.Contains($"Claim {s.Namespace}/mine: yours, Bound, 20Gi, ReadWriteOnce\nServices: beta (running)\nUsed: {CacheScenario.Size(s.UserDir)}\n", stdout, StringComparison.Ordinal);
        Assert.Matches($@"\n{CacheScenario.KeyB}\s+in use\s+{CacheScenario.Size(Path.Combine(s.UserDir, CacheScenario.KeyB)).Replace(".", "\\.", StringComparison.Ordinal)}\s+1\s+beta\s+beta\n", stdout);
        Assert.Matches($@"\n{CacheScenario.KeyB}\s+beta\.Q8_0\.gguf\s+4\.0 KiB\s+eeeeeeeeeeee… \(expected\)\s+download\s+2026-11-27T11:15:26\.159\+00:00\s+https://models\.example\.invalid/beta/beta\.Q8_0\.gguf\n", stdout);
        Assert.Equal(0, sharedCode);
        var document = JsonNode.Parse(shared)!;
        Assert.Equal(["alpha"], document["services"]!.AsArray().Select(x => (string)x!["name"]!));
        Assert.Equal(3, document["entries"]!.AsArray().Count + document["other"]!.AsArray().Count);
        Assert.Equal(before, await s.ClaimSnapshotAsync("mine"));
        await s.AssertNoJobsLeftAsync();
    }

    [Fact]
    public async Task Cache_inspect_refuses_unknown_and_pending_claims_and_times_out_with_exit_4()
    {
        var s = await CacheScenario.CreateAsync(cluster, "inspect");
        await cluster.CreateClaimAsync(s.Namespace, "later");
        cluster.Server.Control.UnbindClaim(s.Namespace, "later");

        var (unknown, _, unknownErr) = await cluster.CliAsync("cache", "inspect", "ghost", "-n", s.Namespace);
        var (pending, _, pendingErr) = await cluster.CliAsync("cache", "inspect", "later", "-n", s.Namespace);
        cluster.Kubelet.Stalled = true;
        (int Code, string Out, string Err) stalled;
        try
        {
            stalled = await cluster.CliAsync("cache", "inspect", "mine", "-n", s.Namespace, "--timeout", "1s");
        }
        finally
        {
            cluster.Kubelet.Stalled = false;
        }

        Assert.Equal(3, unknown);
        Assert.Equal($"error: no PersistentVolumeClaim ghost in namespace {s.Namespace}: see llmkube cache list -n {s.Namespace}\n", unknownErr);
        Assert.Equal(1, pending);
        Assert.Contains("claim is Pending (not bound yet)", pendingErr, StringComparison.Ordinal);
        Assert.Equal(4, stalled.Code);
        Assert.Contains("Used: unknown", stalled.Out, StringComparison.Ordinal);
        Assert.Matches(@"error: contents of .*/mine unknown: the cache Job llmkube-cache-ls-\w+ could not read it: it did not finish within 1s", stalled.Err);
        await s.AssertNoJobsLeftAsync();
    }
}
