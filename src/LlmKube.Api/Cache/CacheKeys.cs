using System.Security.Cryptography;
using System.Text;
using LlmKube.Api.Models;
using LlmKube.Api.Sources;

namespace LlmKube.Api.Cache;

/// <summary>
/// The one place that decides a model's cache key. The operator, the builders, render and the CLI all
/// call these functions, so "is this cached, and where" cannot drift between them.
/// </summary>
public static class CacheKeys
{
    public const int Length = 16;

    /// <summary>First 16 lowercase hex characters of SHA-256 over the raw source, as upstream LLMKube, so its caches stay valid.</summary>
    public static string Compute(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(source), hash);
        return Convert.ToHexStringLower(hash)[..Length];
    }

    /// <summary>
    /// The key the Model controller records in <c>status.cacheKey</c>: every source the fetcher stages gets
    /// one; a bare hub repository (fetched by its runtime) and Metal models get none.
    /// </summary>
    public static string ForSpec(ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Hardware?.Accelerator == Accelerators.Metal)
        {
            return "";
        }

        var source = ModelSource.Parse(spec.Source);
        return source.Kind switch
        {
            SourceKind.Invalid => "",
            SourceKind.HuggingFaceRepo when !IsMultiFile(spec) => "",
            _ => Compute(spec.Source),
        };
    }

    /// <summary>
    /// The key a service uses: <c>status.cacheKey</c> when the Model controller set it, otherwise the key
    /// derived from the source for non-Metal multi-file models, otherwise none (no cache).
    /// </summary>
    public static string Effective(Model? model)
    {
        if (model is null)
        {
            return "";
        }

        if (!string.IsNullOrEmpty(model.Status?.CacheKey))
        {
            return model.Status.CacheKey;
        }

        return IsMultiFile(model.Spec) && model.Spec.Hardware?.Accelerator != Accelerators.Metal
            ? Compute(model.Spec.Source)
            : "";
    }

    /// <summary>
    /// The Model as its controller leaves it: with the key it records (<see cref="ForSpec"/>) when it has not
    /// reconciled the current generation yet. The CLI decides with this before the operator reports.
    /// </summary>
    public static Model WithRecordedKey(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!string.IsNullOrEmpty(model.Status?.CacheKey) || model.Status?.ObservedGeneration == model.Metadata.Generation && model.Status?.Phase is not null)
        {
            return model;
        }

        return new Model
        {
            Metadata = model.Metadata,
            Spec = model.Spec,
            Status = new ModelStatus { Phase = model.Status?.Phase, CacheKey = ForSpec(model.Spec) is { Length: > 0 } key ? key : null },
        };
    }

    /// <summary>The key a service of this Model uses once the Model controller has run: <see cref="Effective"/> of <see cref="WithRecordedKey"/>.</summary>
    public static string Expected(Model model) => Effective(WithRecordedKey(model));

    public static bool IsMultiFile(ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Files is { Count: > 0 } || !string.IsNullOrEmpty(spec.Mmproj);
    }
}
