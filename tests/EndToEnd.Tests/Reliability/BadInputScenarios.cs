using EndToEnd.Tests.Support;
using k8s;
using LlmKube.Sandbox;

namespace EndToEnd.Tests.Reliability;

/// <summary>One sandbox and operator with good services and the user's claim, shared by every bad-input case.</summary>
public sealed class BadInputFixture : IAsyncLifetime
{
    public const string Ns = "bad";

    internal TestCluster Cluster { get; private set; } = null!;

    internal OperatorProcess Operator { get; private set; } = null!;

    internal string ClaimVersion { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Cluster = await TestCluster.StartAsync(new SandboxOptions { Simulation = new SimulationOptions { Deployments = true, PvcBinding = true } });
        Operator = await Cluster.StartOperatorAsync();
        await Cluster.CreateNamespaceAsync(Ns);
        await Cluster.CreateNamespaceAsync("elsewhere");
        await Cluster.ApplyAsync(Manifests.Claim("elsewhere-cache"), "elsewhere");
        await Cluster.ApplyAsync(Manifests.Claim("team-cache") + Manifests.Model("good-model") + Manifests.Service("good-shared", "good-model") + Manifests.Service("good-own", "good-model", "  modelCache: {claimName: team-cache}"), Ns);
        await TestCluster.EventuallyAsync(() => Cluster.GetClaimAsync(Ns, "team-cache"), c => c?.Status?.Phase == "Bound", "user claim bound");
        ClaimVersion = (await Cluster.GetClaimAsync(Ns, "team-cache"))!.Metadata.ResourceVersion;
    }

    public async Task DisposeAsync()
    {
        await Operator.DisposeAsync();
        await Cluster.DisposeAsync();
    }
}

public sealed class BadInputScenarios(BadInputFixture fixture) : IClassFixture<BadInputFixture>
{
    public static TheoryData<BadInput> Catalogue
    {
        get
        {
            var data = new TheoryData<BadInput>();
            foreach (var input in BadInputCatalogue.All())
            {
                data.Add(input);
            }

            return data;
        }
    }

    [Fact]
    public void The_catalogue_holds_at_least_forty_cases()
    {
        Assert.True(BadInputCatalogue.All().Count() >= 40);
    }

    [Theory]
    [MemberData(nameof(Catalogue))]
    public async Task Each_bad_manifest_is_rejected_naming_the_field_or_explained_in_status(BadInput input)
    {
        var cluster = fixture.Cluster;
        var (code, _, stderr) = await cluster.Kubectl.ApplyAsync(input.Yaml, BadInputFixture.Ns);
        if (input.RejectedNaming is { } field)
        {
            Assert.True(code != 0, $"{input.Name} was admitted");
            Assert.Contains(field, stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("hunter2", stderr, StringComparison.Ordinal); // a refused credential is never echoed
        }
        else
        {
            Assert.True(code == 0, $"{input.Name} was rejected: {stderr}");
            var (kind, name) = input.StatusKind!.Split(':') is [var k, var n] ? (k, n) : (input.StatusKind, input.Name);
            var message = await TestCluster.EventuallyAsync(() => ConditionMessageAsync(cluster, kind, name, input.StatusReason!), m => m is not null, $"{input.Name}: a condition with reason {input.StatusReason}");
            Assert.Contains(input.StatusMentions!, message, StringComparison.Ordinal);
        }

        Assert.False(fixture.Operator.HasExited, "the operator died");
    }

    [Fact]
    public async Task Good_services_beside_the_bad_ones_converge_and_the_users_claim_is_untouched()
    {
        var cluster = fixture.Cluster;
        foreach (var input in BadInputCatalogue.All().Take(8))
        {
            await cluster.Kubectl.ApplyAsync(input.Yaml, BadInputFixture.Ns);
        }

        await cluster.WaitForServiceAsync(BadInputFixture.Ns, "good-shared", s => s.Status?.Phase == "Ready", "Ready");
        var own = await cluster.WaitForServiceAsync(BadInputFixture.Ns, "good-own", s => s.Status?.Phase == "Ready", "Ready");
        Assert.Equal("team-cache", own!.Status!.ModelCache!.ClaimName);
        var claim = await cluster.GetClaimAsync(BadInputFixture.Ns, "team-cache");
        Assert.Equal(fixture.ClaimVersion, claim!.Metadata.ResourceVersion);
        Assert.Null(claim.Metadata.OwnerReferences);
        Assert.Equal(0, cluster.Server.Control.GetRequestCounts().Entries
            .Where(e => e.User == TestCluster.OperatorUser && e.IsWrite && e.Resource == "persistentvolumeclaims" && e.Namespace == "elsewhere").Sum(e => e.Count));
        Assert.False(fixture.Operator.HasExited);
    }

    private static async Task<string?> ConditionMessageAsync(TestCluster cluster, string kind, string name, string reason)
    {
        var conditions = kind == "model"
            ? (await cluster.GetModelAsync(BadInputFixture.Ns, name))?.Status?.Conditions
            : (await cluster.GetInferenceServiceAsync(BadInputFixture.Ns, name))?.Status?.Conditions;
        return conditions?.FirstOrDefault(c => c.Reason == reason)?.Message;
    }
}
