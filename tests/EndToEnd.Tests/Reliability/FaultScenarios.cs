using EndToEnd.Tests.Support;
using LlmKube.Sandbox;

namespace EndToEnd.Tests.Reliability;

/// <summary>Issue 8, suites 1 and 2: API faults and kill -9 restarts (scaled for CI; full size in bench/).</summary>
public sealed class FaultScenarios
{
    private const int Namespaces = 5;
    private const int ServicesPerNamespace = 10;

    private static SandboxOptions Simulated => new() { Simulation = new SimulationOptions { Deployments = true, PvcBinding = true } };

    /// <summary>Half the services on the namespace's user claim, half on the shared claim.</summary>
    private static async Task<List<(string Namespace, string Name, string Claim)>> ApplyWorkloadAsync(TestCluster cluster, string prefix)
    {
        var expected = new List<(string, string, string)>();
        for (var n = 0; n < Namespaces; n++)
        {
            var ns = $"{prefix}-{n}";
            await cluster.CreateNamespaceAsync(ns);
            var yaml = Manifests.Claim("team-cache") + Manifests.Model("m");
            for (var i = 0; i < ServicesPerNamespace; i++)
            {
                var own = i % 2 == 0;
                yaml += Manifests.Service($"svc-{i}", "m", own ? "  modelCache: {claimName: team-cache}" : "");
                expected.Add((ns, $"svc-{i}", own ? "team-cache" : "llmkube-model-cache"));
            }

            await cluster.ApplyAsync(yaml, ns);
        }

        return expected;
    }

    [Fact]
    public async Task Fifty_services_converge_on_the_right_claims_under_api_faults_then_go_quiet()
    {
        await using var cluster = await TestCluster.StartAsync(Simulated);
        var expected = await ApplyWorkloadAsync(cluster, "faults");
        await Task.Delay(500); // let the simulated provisioner bind the user claims before the snapshot
        var userClaims = new Dictionary<string, string>();
        for (var n = 0; n < Namespaces; n++)
        {
            userClaims[$"faults-{n}"] = (await ConvergenceChecks.ClaimVersionsAsync(cluster, $"faults-{n}"))["team-cache"];
        }

        cluster.Server.Control.Faults = new FaultSettings { ErrorRate = 0.1, ConflictRate = 0.1, LatencyMs = 50, WatchDropSeconds = 5, Seed = 8, IncludeAdmin = false };
        cluster.Server.Control.ResetRequestCounts();
        await using var op = await cluster.StartOperatorAsync("--resync-period", "20s");

        await ConvergenceChecks.AssertConvergedAsync(cluster, expected, TimeSpan.FromMinutes(3));
        Assert.False(op.HasExited);
        var counts = cluster.Server.Control.GetRequestCounts();
        var requests = counts.Entries.Where(e => e.User == TestCluster.OperatorUser && e.Verb != "watch").Sum(e => e.Count);
        var injected = counts.Entries.Where(e => e.User == TestCluster.OperatorUser && e.Code is 500 or 409).Sum(e => e.Count);
        Assert.True(requests < expected.Count * 30, $"{requests} requests for {expected.Count} services: a hot loop?");
        Assert.True(injected > 0, "no fault was injected; the test proves nothing");

        for (var n = 0; n < Namespaces; n++)
        {
            var claims = await ConvergenceChecks.ClaimVersionsAsync(cluster, $"faults-{n}");
            Assert.Equal(["llmkube-model-cache", "team-cache"], claims.Keys.Order());
            Assert.Equal(userClaims[$"faults-{n}"], claims["team-cache"]);
        }

        cluster.Server.Control.Faults = FaultSettings.None;
        await Task.Delay(TimeSpan.FromSeconds(8)); // retries scheduled during the faults drain
        cluster.Server.Control.ResetRequestCounts();
        await Task.Delay(TimeSpan.FromSeconds(25));
        var writes = cluster.Server.Control.GetRequestCounts().Writes(user: TestCluster.OperatorUser);
        Assert.Equal(0, writes);
        Console.WriteLine($"fault suite: {requests} operator requests ({(double)requests / expected.Count:F1} per service), {injected} injected faults answered");
    }

    [Fact]
    public async Task Ten_kill_9_restarts_during_convergence_leave_no_duplicates_or_orphans()
    {
        await using var cluster = await TestCluster.StartAsync(Simulated);
        var expected = await ApplyWorkloadAsync(cluster, "restarts");
        var userClaims = new Dictionary<string, string>();
        for (var n = 0; n < Namespaces; n++)
        {
            var bound = await TestCluster.EventuallyAsync(() => cluster.GetClaimAsync($"restarts-{n}", "team-cache"), c => c?.Status?.Phase == "Bound", "user claim bound");
            userClaims[$"restarts-{n}"] = bound!.Metadata.ResourceVersion;
        }

        var random = new Random(11);
        for (var round = 0; round < 10; round++)
        {
            var op = await cluster.StartOperatorAsync();
            await Task.Delay(random.Next(50, 1500));
            await op.KillAsync();
            await op.DisposeAsync();
        }

        await using var final = await cluster.StartOperatorAsync();
        var converging = System.Diagnostics.Stopwatch.StartNew();
        await ConvergenceChecks.AssertConvergedAsync(cluster, expected, TimeSpan.FromMinutes(2));
        Console.WriteLine($"restarts: {expected.Count} services converged {converging.Elapsed.TotalSeconds:F1} s after the operator's 11th start (10 kill -9 before it)");
        for (var n = 0; n < Namespaces; n++)
        {
            var claims = await ConvergenceChecks.ClaimVersionsAsync(cluster, $"restarts-{n}");
            Assert.Equal(["llmkube-model-cache", "team-cache"], claims.Keys.Order());
            Assert.Equal(userClaims[$"restarts-{n}"], claims["team-cache"]);
        }
    }
}
