using LlmKube.Api;
using LlmKube.Api.Models;
using LlmKube.Core.Builders;
using LlmKube.Core.Cache;
using static LlmKube.Core.Tests.Fixtures;

namespace LlmKube.Core.Tests;

public class ModelCacheDecisionTests
{
    public static TheoryData<string, string?, string, string, string> ClaimPrecedence => new()
    {
        // mode, claimName, expected volume, expected claim, description
        { CacheModes.Shared, null, CacheVolumes.Shared, "llmkube-model-cache", "shared default" },
        { CacheModes.PerService, null, CacheVolumes.PerService, "chat-model-cache", "perService" },
        { CacheModes.Shared, "my-model-cache", CacheVolumes.UserClaim, "my-model-cache", "claimName wins over shared" },
        { CacheModes.PerService, "my-model-cache", CacheVolumes.UserClaim, "my-model-cache", "claimName wins over perService" },
    };

    [Theory]
    [MemberData(nameof(ClaimPrecedence))]
    public void Claim_precedence_is_claimName_then_perService_then_shared(string mode, string? claimName, string volume, string claim, string description)
    {
        var service = Service(s => s.ModelCache = claimName is null ? null : new() { ClaimName = claimName });

        var plan = ModelCacheDecision.Decide(Model(), service, Options(o => o with { ModelCacheMode = mode }));

        Assert.Equal((volume, claim), (plan.ToStatus().Volume, plan.ClaimName));
        Assert.Equal($"/models/{Key()}/tiny-Q4_K_M.gguf", plan.ModelPath);
        Assert.Null(plan.IgnoredClaimReason);
        Assert.False(string.IsNullOrEmpty(description));
    }

    [Fact]
    public void Pvc_source_mounts_the_claim_and_ignores_claimName_with_the_reason()
    {
        var plan = ModelCacheDecision.Decide(Model("pvc://my-models/llama/model.gguf"), Service(s => s.ModelCache = new() { ClaimName = "x" }), Options());

        Assert.Equal(CacheVolumes.PvcSource, plan.ToStatus().Volume);
        Assert.Equal("my-models", plan.ClaimName);
        Assert.Equal("/model-source/llama/model.gguf", plan.ModelPath);
        Assert.Contains("pre-staged pvc:// volume", plan.IgnoredClaimReason, StringComparison.Ordinal);
        Assert.Null(plan.Claim);
    }

    [Fact]
    public void Disabled_caching_uses_an_emptyDir_and_says_why_a_claim_is_ignored()
    {
        var plan = ModelCacheDecision.Decide(Model(), Service(s => s.ModelCache = new() { ClaimName = "x" }), Options(o => o with { ModelCacheEnabled = false }));

        Assert.Equal(CacheVolumes.Ephemeral, plan.ToStatus().Volume);
        Assert.Null(plan.ClaimName);
        Assert.Contains("caching is disabled", plan.IgnoredClaimReason, StringComparison.Ordinal);
        Assert.Contains("emptyDir", plan.IgnoredClaimReason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_model_without_a_cache_key_uses_an_emptyDir_and_says_so()
    {
        var plan = ModelCacheDecision.Decide(Model(withStatusKey: false), Service(s => s.ModelCache = new() { ClaimName = "x" }), Options());

        Assert.Equal(CacheVolumes.Ephemeral, plan.ToStatus().Volume);
        Assert.Equal("", plan.CacheKey);
        Assert.Equal($"/models/{Namespace}-tiny/tiny-Q4_K_M.gguf", plan.ModelPath);
        Assert.Contains("no cache key", plan.IgnoredClaimReason, StringComparison.Ordinal);
        Assert.Contains("emptyDir", plan.IgnoredClaimReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Ephemeral_uses_an_emptyDir_keyed_like_the_cache()
    {
        var plan = ModelCacheDecision.Decide(Model(), Service(s => s.ModelCache = new() { Persistence = CachePersistence.Ephemeral }), Options());

        Assert.Equal(CacheVolumes.Ephemeral, plan.ToStatus().Volume);
        Assert.Equal($"/models/{Key()}/tiny-Q4_K_M.gguf", plan.ModelPath);
        Assert.Null(plan.Claim);
        Assert.Null(plan.IgnoredClaimReason);
    }

    [Fact]
    public void Ephemeral_never_reenables_disabled_caching_and_never_touches_pvc_sources()
    {
        var ephemeral = Service(s => s.ModelCache = new() { Persistence = CachePersistence.Ephemeral });

        Assert.Equal(CacheVolumes.Ephemeral, ModelCacheDecision.Decide(Model(), ephemeral, Options(o => o with { ModelCacheEnabled = false })).ToStatus().Volume);
        Assert.Equal(CacheVolumes.PvcSource, ModelCacheDecision.Decide(Model("pvc://c/m.gguf"), ephemeral, Options()).ToStatus().Volume);
    }

    [Fact]
    public void SkipModelInit_mounts_nothing_provisions_nothing_and_ignores_claimName()
    {
        var plan = ModelCacheDecision.Decide(Model(), Service(s => { s.SkipModelInit = true; s.ModelCache = new() { ClaimName = "x" }; }), Options());

        Assert.Equal(CacheVolumes.None, plan.ToStatus().Volume);
        Assert.Equal("", plan.ModelPath);
        Assert.Null(plan.Claim);
        Assert.Contains("skipModelInit", plan.IgnoredClaimReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Multi_file_models_load_files0_from_the_derived_key_even_without_a_status_key()
    {
        var model = Model("hf://org/repo", m => { m.Files = ["model-00001.gguf", "MTP/draft.gguf"]; m.Mmproj = "mmproj.gguf"; }, withStatusKey: false);

        var plan = ModelCacheDecision.Decide(model, Service(), Options());

        Assert.Equal(CacheVolumes.Shared, plan.ToStatus().Volume);
        Assert.Equal($"/models/{Key("hf://org/repo")}/model-00001.gguf", plan.ModelPath);
        Assert.Equal($"/models/{Key("hf://org/repo")}", plan.EntryDirectory);
    }

    [Fact]
    public void The_file_name_depends_only_on_the_source_not_on_metadata()
    {
        var plain = Model();
        var withMetadata = Model();
        withMetadata.Status!.Gguf = new GgufMetadata { ModelName = "Some Other Name" };
        withMetadata.Status.Path = "/elsewhere/other.gguf";
        withMetadata.Metadata.Name = "renamed";

        Assert.Equal(
            ModelCacheDecision.Decide(plain, Service(), Options()).ModelPath,
            ModelCacheDecision.Decide(withMetadata, Service(), Options()).ModelPath);
    }

    [Fact]
    public void Mount_and_provisioning_agree_for_every_input()
    {
        var sources = new[] { HttpsSource, "s3://b/m.gguf", "pvc://c/m.gguf", "hf://org/repo/m.gguf" };
        var persistences = new[] { null, CachePersistence.Cached, CachePersistence.Ephemeral };
        foreach (var source in sources)
        {
            foreach (var persistence in persistences)
            {
                foreach (var enabled in new[] { true, false })
                {
                    foreach (var keyed in new[] { true, false })
                    {
                        var state = State(Model(source, withStatusKey: keyed), Service(s => s.ModelCache = persistence is null ? null : new() { Persistence = persistence }), Options(o => o with { ModelCacheEnabled = enabled }));
                        var mountsCacheClaim = state.Deployment!.Spec.Template.Spec.Volumes?.Any(v => v.Name == PodStorage.CacheVolume) == true;
                        var provisions = state.Claim is not null;
                        Assert.True(mountsCacheClaim == provisions, $"{source} {persistence} enabled={enabled} keyed={keyed}: mount={mountsCacheClaim} provision={provisions}");
                    }
                }
            }
        }
    }
}
