using k8s.Models;
using LlmKube.Api;
using LlmKube.Api.Cache;
using LlmKube.Api.Models;
using LlmKube.Api.Sources;
using LlmKube.Api.Validation;
using LlmKube.Core.Cache;

namespace LlmKube.Core.Models;

/// <summary>What the Model controller concludes about a Model: its phase with the reason and message, and what to record.</summary>
/// <param name="Phase">One of <see cref="ModelPhases"/>: Ready, Pending or Failed.</param>
/// <param name="Path">The model's path inside serving pods, when the Model itself knows it (pvc:// sources).</param>
/// <param name="CacheKey">The key to record in <c>status.cacheKey</c> (empty: none); null when classification stopped before the key is known, so the status keeps what it had.</param>
/// <param name="Advisories">Findings that do not stop serving, for Warning events.</param>
public sealed record ModelVerdict(string Phase, string Reason, string Message, string? Path, string? CacheKey, IReadOnlyList<SpecIssue> Advisories);

/// <summary>
/// The Model controller's classification of a source, in one place: spec findings, the cache key, host paths outside
/// the allowed roots, pvc:// claims, hub repositories fetched by their runtime. The operator writes the verdict to
/// status; the service's desired state refuses the same host paths with the same words.
/// </summary>
public static class ModelClassification
{
    /// <param name="sourceClaim">The claim of a pvc:// source, from wherever the caller reads claims; null when it does not exist.</param>
    public static ModelVerdict Classify(Model model, IReadOnlyList<string> allowedHostPathRoots, Func<string, V1PersistentVolumeClaim?> sourceClaim)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sourceClaim);
        var issues = SpecChecks.CheckModel(model);
        var advisories = issues.Where(i => !i.StopsServing).ToList();
        if (issues.FirstOrDefault(i => i.StopsServing) is { } blocking)
        {
            return new ModelVerdict(ModelPhases.Failed, blocking.Reason, string.Join("; ", issues.Where(i => i.StopsServing)), null, null, advisories);
        }

        var key = CacheKeys.ForSpec(model.Spec);
        var source = ModelSource.Parse(model.Spec.Source);
        if (HostPathRefusal(model.Spec, allowedHostPathRoots) is { } refusal)
        {
            return new ModelVerdict(ModelPhases.Failed, Reasons.SourceNotAllowed, $"{refusal}; local sources are disabled unless allowed", null, key, advisories);
        }

        return source.Kind switch
        {
            SourceKind.Pvc => Pvc(model, source, sourceClaim(source.Container!), key, advisories),
            SourceKind.HuggingFaceRepo when !CacheKeys.IsMultiFile(model.Spec) => new ModelVerdict(ModelPhases.Ready, Reasons.RuntimeResolved,
                "a Hugging Face repository: the serving runtime fetches it (set skipModelInit on services)", null, key, advisories),
            _ => new ModelVerdict(ModelPhases.Ready, Reasons.WorkloadResolved,
                "the serving pods' fetcher downloads it into the model cache and verifies it", null, key, advisories),
        };
    }

    /// <summary>
    /// Why a host-path source is refused: it lies outside the operator's <c>--allowed-host-path-roots</c>. Null for
    /// other sources and allowed paths. Admission accepts such a source; the operator refuses it for its configuration.
    /// </summary>
    public static string? HostPathRefusal(ModelSpec spec, IReadOnlyList<string> allowedHostPathRoots)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(allowedHostPathRoots);
        var source = ModelSource.Parse(spec.Source);
        if (source.Kind != SourceKind.Local || IsUnder(source.Path!, allowedHostPathRoots))
        {
            return null;
        }

        var roots = allowedHostPathRoots.Count == 0 ? "none are configured" : string.Join(", ", allowedHostPathRoots);
        return $"spec.source \"{ModelSource.ForMessages(spec.Source)}\" is a host path outside the operator's --allowed-host-path-roots ({roots})";
    }

    /// <summary>True when <paramref name="path"/> lies below one of <paramref name="roots"/> (compared as text; "/" is never a root).</summary>
    public static bool IsUnder(string path, IReadOnlyList<string> roots) => Builders.PodStorage.AllowedRoot(path, roots) is not null;

    private static ModelVerdict Pvc(Model model, ModelSource source, V1PersistentVolumeClaim? claim, string key, IReadOnlyList<SpecIssue> advisories)
    {
        if (claim is null)
        {
            return new ModelVerdict(ModelPhases.Failed, Reasons.PvcNotFound,
                $"PersistentVolumeClaim {source.Container} named by spec.source was not found in namespace {model.Metadata.NamespaceProperty}: create it (with the model at {source.Path}) or fix the source",
                null, key, advisories);
        }

        return claim.Status?.Phase != "Bound"
            ? new ModelVerdict(ModelPhases.Pending, Reasons.PvcNotBound,
                $"PersistentVolumeClaim {source.Container} is {claim.Status?.Phase ?? "Pending"}; the Model is Ready once it is Bound", null, key, advisories)
            : new ModelVerdict(ModelPhases.Ready, Reasons.PvcModelReady,
                $"served read-only from PersistentVolumeClaim {source.Container}", $"{ModelCacheDecision.SourceMountPath}/{source.Path}", key, advisories);
    }
}
