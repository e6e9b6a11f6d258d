using System.Text.Json.Nodes;
using k8s;
using LlmKube.Cli.Tests.Cluster;

namespace LlmKube.Cli.Tests;

public class CacheClearTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task Clear_refuses_while_a_running_service_uses_the_entry_and_names_how_to_stop_it()
    {
        var s = await CacheScenario.CreateAsync(cluster, "clear");

        var (code, stdout, stderr) = await cluster.CliAsync("cache", "clear", "--model", "alpha", "--yes", "-n", s.Namespace);

        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        Assert.Equal($"error: cache entry {CacheScenario.KeyA} on claim llmkube-model-cache is in use by running service alpha (1/1 replicas ready): " +
            $"stop it first with llmkube scale alpha -r 0 -n {s.Namespace}, then run this again (nothing was removed)\n", stderr);
        Assert.True(Directory.Exists(Path.Combine(s.SharedDir, CacheScenario.KeyA)));
        Assert.Empty(s.Jobs);
    }

    [Fact]
    public async Task Clear_without_a_terminal_and_without_yes_refuses_rather_than_guess()
    {
        var s = await CacheScenario.CreateAsync(cluster, "clear");
        await s.StopAsync("alpha");

        var (code, _, stderr) = await cluster.CliAsync("cache", "clear", "--model", "alpha", "-n", s.Namespace);

        Assert.Equal(1, code);
        Assert.Equal("error: removing cache entries needs confirmation and there is no terminal to ask on: add --yes to confirm (nothing was changed)\n", stderr);
        Assert.True(Directory.Exists(Path.Combine(s.SharedDir, CacheScenario.KeyA)));
        Assert.Empty(s.Jobs);
    }

    [Fact]
    public async Task Clear_model_removes_its_entry_from_the_shared_claim_through_a_read_write_job()
    {
        var s = await CacheScenario.CreateAsync(cluster, "clear");
        await s.StopAsync("alpha");
        var sharedBefore = await s.ClaimSnapshotAsync("llmkube-model-cache");
        var size = CacheScenario.Size(Path.Combine(s.SharedDir, CacheScenario.KeyA));

        var (code, stdout, stderr) = await cluster.CliAsync("cache", "clear", "--model", "alpha", "--yes", "-n", s.Namespace);

        Assert.True(code == 0, stdout + stderr);
        Assert.Equal($"removed cache entry {CacheScenario.KeyA}/ ({size}) from claim llmkube-model-cache in namespace {s.Namespace}\n", stdout);
        Assert.False(Directory.Exists(Path.Combine(s.SharedDir, CacheScenario.KeyA)));
        Assert.True(Directory.Exists(Path.Combine(s.SharedDir, CacheScenario.OrphanKey)));
        Assert.True(Directory.Exists(Path.Combine(s.UserDir, CacheScenario.KeyB)));
        var run = Assert.Single(s.Runs);
        Assert.Equal(["cache-rm", "/models", CacheScenario.KeyA], run.Args);
        Assert.False(run.Job.Spec.Template.Spec.Containers.Single().VolumeMounts.Single().ReadOnlyProperty);
        Assert.Equal("llmkube-model-cache", run.Claim);
        Assert.Equal(sharedBefore, await s.ClaimSnapshotAsync("llmkube-model-cache"));
        await s.AssertNoJobsLeftAsync();
    }

    [Fact]
    public async Task Clear_a_users_claim_removes_every_entry_and_leaves_the_claim_object_untouched()
    {
        var s = await CacheScenario.CreateAsync(cluster, "clear");
        CacheScenario.WriteEntry(s.UserDir, "fedcba9876543210", "stale.gguf", 100, null);
        await s.StopAsync("beta");
        var before = await s.ClaimSnapshotAsync("mine");

        var (code, stdout, stderr) = await cluster.CliAsync("cache", "clear", "--claim", "mine", "--yes", "-n", s.Namespace, "-o", "json");

        Assert.True(code == 0, stdout + stderr);
        var result = JsonNode.Parse(stdout)!["results"]![0]!;
        Assert.Equal(new[] { "fedcba9876543210", CacheScenario.KeyB }.Order(StringComparer.Ordinal), result["removed"]!.AsArray().Select(r => (string)r!["key"]!).Order(StringComparer.Ordinal));
        Assert.Empty(Directory.GetDirectories(s.UserDir));
        Assert.Equal(["cache-ls", "cache-rm"], s.Runs.Select(r => r.Args[0]));
        Assert.Equal(before, await s.ClaimSnapshotAsync("mine"));
        Assert.Equal("Bound", (await cluster.Client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync("mine", s.Namespace)).Status.Phase);
    }

    [Fact]
    public async Task Clear_asks_on_a_terminal_and_does_nothing_unless_the_answer_is_yes()
    {
        var s = await CacheScenario.CreateAsync(cluster, "clear");
        var orphan = Path.Combine(s.SharedDir, CacheScenario.OrphanKey);
        var size = CacheScenario.Size(orphan);

        var (no, _, noErr) = await cluster.CliAnsweringAsync("n", "cache", "clear", "--claim", "llmkube-model-cache", "--key", CacheScenario.OrphanKey, "-n", s.Namespace);
        var existedAfterNo = Directory.Exists(orphan);
        var (yes, yesOut, yesErr) = await cluster.CliAnsweringAsync("y", "cache", "clear", "--claim", "llmkube-model-cache", "--key", CacheScenario.OrphanKey, "-n", s.Namespace);

        Assert.Equal(1, no);
        Assert.Contains($"Remove cache entry {CacheScenario.OrphanKey}/ from claim llmkube-model-cache (shared) in namespace {s.Namespace}? [y/N] ", noErr, StringComparison.Ordinal);
        Assert.Contains("error: removing cache entries: not confirmed; nothing was changed", noErr, StringComparison.Ordinal);
        Assert.True(existedAfterNo);
        Assert.True(yes == 0, yesOut + yesErr);
        Assert.Contains($"removed cache entry {CacheScenario.OrphanKey}/ ({size})", yesOut, StringComparison.Ordinal);
        Assert.False(Directory.Exists(orphan));
        Assert.True(Directory.Exists(Path.Combine(s.SharedDir, CacheScenario.KeyA)));
    }

    [Fact]
    public async Task Clear_reports_an_entry_that_is_not_there_and_a_busy_one()
    {
        var s = await CacheScenario.CreateAsync(cluster, "clear");
        await s.StopAsync("beta");
        var lockPath = Path.Combine(s.UserDir, CacheScenario.KeyB, ".llmkube.lock");

        var (absent, absentOut, _) = await cluster.CliAsync("cache", "clear", "--claim", "mine", "--key", "1111111111111111", "--yes", "-n", s.Namespace);
        (int Code, string Out, string Err) busy;
        using (new FileStream(lockPath, FileMode.Open, FileAccess.Read, FileShare.None))
        {
            busy = await cluster.CliAsync("cache", "clear", "--model", "beta", "--yes", "-n", s.Namespace);
        }

        Assert.Equal(0, absent);
        Assert.Equal($"cache entry 1111111111111111/ was not on claim mine in namespace {s.Namespace}: nothing to remove\n", absentOut);
        Assert.Equal(1, busy.Code);
        Assert.Contains($"error: could not remove cache entry {CacheScenario.KeyB}/ from claim mine in namespace {s.Namespace}: busy: a fetcher holds the entry's lock", busy.Err, StringComparison.Ordinal);
        Assert.True(Directory.Exists(Path.Combine(s.UserDir, CacheScenario.KeyB)));
    }

    [Fact]
    public async Task Clearing_a_claim_with_many_entries_uses_several_jobs_so_every_report_fits()
    {
        var s = await CacheScenario.CreateAsync(cluster, "clear");
        for (var i = 0; i < 90; i++)
        {
            CacheScenario.WriteEntry(s.SharedDir, $"{0xaa00 + i:x16}", "m.gguf", 10, null);
        }

        await s.StopAsync("alpha");

        var (code, stdout, stderr) = await cluster.CliAsync("cache", "clear", "--claim", "llmkube-model-cache", "--yes", "-n", s.Namespace);

        Assert.True(code == 0, stdout + stderr);
        Assert.Equal(92, stdout.Split('\n').Count(l => l.StartsWith("removed cache entry ", StringComparison.Ordinal)));
        Assert.Equal(["lost+found"], Directory.GetFileSystemEntries(s.SharedDir).Select(Path.GetFileName));
        var removals = s.Runs.Where(r => r.Args[0] == "cache-rm").ToList();
        Assert.True(removals.Count >= 3, string.Join(", ", s.Runs.Select(r => r.Args.Count)));
        Assert.All(removals, r => Assert.InRange(r.Args.Count - 2, 1, 40));
        Assert.All(s.Runs, r => Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(r.Message), 1, 4096));
    }

    [Theory]
    [InlineData(2, "name what to clear")]
    [InlineData(2, "--key needs --claim", "--key", "0123456789abcdef")]
    [InlineData(2, "a cache key is 16 lowercase hex characters", "--claim", "mine", "--key", "../../etc")]
    [InlineData(2, "--key and --model both name an entry", "--claim", "mine", "--key", "0123456789abcdef", "--model", "x")]
    [InlineData(3, "no model ghost in namespace", "--model", "ghost")]
    [InlineData(3, "no PersistentVolumeClaim ghost in namespace", "--claim", "ghost", "--key", "0123456789abcdef")]
    public async Task Clear_refuses_bad_or_unknown_targets_in_one_line(int exitCode, string message, params string[] flags)
    {
        var ns = await cluster.NamespaceAsync("clear");

        var (code, _, stderr) = await cluster.CliAsync(["cache", "clear", .. flags, "--yes", "-n", ns]);

        Assert.Equal(exitCode, code);
        Assert.StartsWith("error: ", stderr, StringComparison.Ordinal);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Trim().Split('\n'));
    }
}
