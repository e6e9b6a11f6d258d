using LlmKube.Api;
using LlmKube.Api.Services;
using LlmKube.Core.Cache;
using static LlmKube.Core.Tests.Fixtures;

namespace LlmKube.Core.Tests;

public class CachePlanTests
{
    public static TheoryData<string, string?, string?> Inputs => new()
    {
        // mode, claimName, source (null: the https default)
        { CacheModes.Shared, null, null },
        { CacheModes.PerService, null, null },
        { CacheModes.Shared, "mine", null },
        { CacheModes.PerService, "mine", null },
        { CacheModes.Shared, "mine", "pvc://store/m.gguf" },
        { CacheModes.PerService, null, "hf://org/repo/m.gguf" },
    };

    [Theory]
    [MemberData(nameof(Inputs))]
    public void The_watch_index_lists_the_claim_the_decision_mounts(string mode, string? claimName, string? source)
    {
        var settings = Options(o => o with { ModelCacheMode = mode });
        var service = Service(s => s.ModelCache = claimName is null ? null : new ModelCacheSpec { ClaimName = claimName });

        var plan = ModelCacheDecision.Decide(Model(source ?? HttpsSource), service, settings);
        var dependedOn = ModelCacheDecision.ClaimsDependedOn(service, settings).ToList();

        if (plan.Claim is { } claim)
        {
            Assert.Contains(claim.Name, dependedOn);
        }

        Assert.Equal(ModelCacheDecision.CacheClaimFor(service, settings).Name, Assert.Single(dependedOn));
    }

    [Fact]
    public void Every_plan_survives_the_status_round_trip_and_is_described_once()
    {
        var plans = new[]
        {
            ModelCacheDecision.Decide(Model(), Service(), Options()),
            ModelCacheDecision.Decide(Model(), Service(), Options(o => o with { ModelCacheMode = CacheModes.PerService })),
            ModelCacheDecision.Decide(Model(), Service(s => s.ModelCache = new() { ClaimName = "mine" }), Options()),
            ModelCacheDecision.Decide(Model(), Service(s => s.ModelCache = new() { Persistence = CachePersistence.Ephemeral }), Options()),
            ModelCacheDecision.Decide(Model("pvc://store/m.gguf"), Service(), Options()),
            ModelCacheDecision.Decide(Model(), Service(s => s.SkipModelInit = true), Options()),
        };

        foreach (var plan in plans)
        {
            var reread = CachePlan.FromStatus(plan.ToStatus());

            Assert.NotNull(reread);
            Assert.Equal((plan.Volume, plan.Claim, plan.ClaimName, plan.CacheKey, plan.ModelPath), (reread.Volume, reread.Claim, reread.ClaimName, reread.CacheKey, reread.ModelPath));
            Assert.Equal(plan.Describe(), reread.Describe());
        }

        Assert.Equal(6, plans.Select(p => p.ToStatus().Volume).Distinct().Count());
    }

    [Fact]
    public void Cache_wiring_status_names_volume_claim_key_and_path()
    {
        var wiring = ModelCacheDecision.Decide(Model(), Service(s => s.ModelCache = new() { ClaimName = "mine" }), Options()).ToStatus();

        Assert.Equal((CacheVolumes.UserClaim, "mine", Key(), $"/models/{Key()}/tiny-Q4_K_M.gguf"), (wiring.Volume, wiring.ClaimName, wiring.CacheKey, wiring.ModelPath));
    }

    [Fact]
    public void An_incomplete_or_unknown_report_is_no_plan()
    {
        Assert.Null(CachePlan.FromStatus(null));
        Assert.Null(CachePlan.FromStatus(new ModelCacheStatus { Volume = CacheVolumes.Shared, ClaimName = "llmkube-model-cache" }));
        Assert.Null(CachePlan.FromStatus(new ModelCacheStatus { Volume = "somethingNew", ClaimName = "x", CacheKey = "0123456789abcdef" }));
    }

    [Fact]
    public void A_plan_on_a_claim_cannot_be_built_without_its_key()
    {
        Assert.Throws<ArgumentException>(() => CachePlan.OnClaim(new CacheClaim(CacheClaimKind.Shared, "llmkube-model-cache"), "", "/models//m", "/models/"));
        Assert.Throws<ArgumentException>(() => CachePlan.FromPvcSource("", "/model-source/m", "/model-source"));
    }
}
