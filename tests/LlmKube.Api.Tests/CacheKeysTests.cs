using LlmKube.Api.Cache;
using LlmKube.Api.Models;

namespace LlmKube.Api.Tests;

public class CacheKeysTests
{
    // Vectors from the cache reference (section 2.1): our keys must equal upstream's so its caches stay valid.
    [Theory]
    [InlineData("", "e3b0c44298fc1c14")]
    [InlineData("https://example.com/model.gguf", "8cc5f1f83d631cc0")]
    [InlineData("hf://org/repo", "1f20013f4e0ce003")]
    [InlineData("hf://unsloth/gemma-4-31B-it-GGUF", "81e8826218ac9f03")]
    [InlineData("s3://bucket/model.gguf", "ede84e4686c8e338")]
    public void Compute_matches_upstream_vectors(string source, string key)
    {
        Assert.Equal(key, CacheKeys.Compute(source));
    }

    [Fact]
    public void Compute_does_not_normalise_the_source()
    {
        Assert.NotEqual(CacheKeys.Compute("hf://org/repo"), CacheKeys.Compute("hf://org/repo@main"));
        Assert.NotEqual(CacheKeys.Compute("https://x/a.gguf"), CacheKeys.Compute("https://x/a.gguf?x=1"));
        Assert.NotEqual(CacheKeys.Compute("https://x/a.gguf"), CacheKeys.Compute("HTTPS://x/a.gguf"));
    }

    [Fact]
    public void Effective_returns_the_status_key_when_set()
    {
        var model = ModelWith("https://example.com/m.gguf", statusKey: "deadbeefdeadbeef");

        Assert.Equal("deadbeefdeadbeef", CacheKeys.Effective(model));
    }

    [Fact]
    public void Effective_is_empty_for_null_and_for_single_file_models_without_a_status_key()
    {
        Assert.Equal("", CacheKeys.Effective(null));
        Assert.Equal("", CacheKeys.Effective(ModelWith("https://example.com/m.gguf")));
        Assert.Equal("", CacheKeys.Effective(ModelWith("hf://org/repo")));
    }

    [Fact]
    public void Effective_derives_the_key_for_multi_file_models_but_not_for_metal()
    {
        var multi = ModelWith("hf://org/repo", files: ["a.gguf", "MTP/b.gguf"]);
        var mmprojOnly = ModelWith("hf://org/repo", mmproj: "mmproj.gguf");
        var metal = ModelWith("hf://org/repo", files: ["a.gguf"]);
        metal.Spec.Hardware = new ModelHardware { Accelerator = Accelerators.Metal };

        Assert.Equal(CacheKeys.Compute("hf://org/repo"), CacheKeys.Effective(multi));
        Assert.Equal(CacheKeys.Compute("hf://org/repo"), CacheKeys.Effective(mmprojOnly));
        Assert.Equal("", CacheKeys.Effective(metal));
    }

    [Theory]
    [InlineData("https://example.com/m.gguf", true)]
    [InlineData("http://example.com/m.gguf", true)]
    [InlineData("hf://org/repo/m.gguf", true)]
    [InlineData("s3://bucket/m.gguf", true)]
    [InlineData("pvc://claim/m.gguf", true)]
    [InlineData("file:///mnt/models/m.gguf", true)]
    [InlineData("/mnt/models/m.gguf", true)]
    [InlineData("hf://org/repo", false)]
    [InlineData("org/repo", false)]
    [InlineData("https://huggingface.co/org/repo", false)]
    [InlineData("ftp://nope", false)]
    public void ForSpec_assigns_a_key_to_every_staged_source(string source, bool keyed)
    {
        var key = CacheKeys.ForSpec(new ModelSpec { Source = source });

        Assert.Equal(keyed ? CacheKeys.Compute(source) : "", key);
    }

    [Fact]
    public void ForSpec_gives_hub_repositories_a_key_when_files_are_listed_and_metal_none()
    {
        Assert.Equal(CacheKeys.Compute("hf://org/repo"), CacheKeys.ForSpec(new ModelSpec { Source = "hf://org/repo", Files = ["a.gguf"] }));
        Assert.Equal("", CacheKeys.ForSpec(new ModelSpec { Source = "https://x/m.gguf", Hardware = new ModelHardware { Accelerator = Accelerators.Metal } }));
    }

    private static Model ModelWith(string source, string? statusKey = null, IList<string>? files = null, string? mmproj = null) => new()
    {
        Spec = new ModelSpec { Source = source, Files = files, Mmproj = mmproj },
        Status = statusKey is null ? null : new ModelStatus { CacheKey = statusKey },
    };
}
