using LlmKube.Fetcher.Cache;
using LlmKube.Fetcher.Native;
using LlmKube.Fetcher.Sources;

namespace LlmKube.Fetcher.Fetch;

/// <summary>
/// Caches filled by upstream LLMKube keep a single-file entry as `/models/KEY/SOMETHING.gguf` with no sidecar, where
/// SOMETHING may differ from our file name. When our file is missing and the entry holds exactly one complete *.gguf
/// regular file (no upstream `.tmp`, no partial of ours) and no sidecar at all, that file is hard-linked under our name
/// (verified first when a sha256 is expected) instead of being downloaded again. Links are never candidates.
/// </summary>
internal static class UpstreamAdoption
{
    public static async Task<bool> TryAdoptAsync(FetchJob job, CacheFile target, FetchContext context, CancellationToken ct)
    {
        var entries = target.Directory.Entries();
        if (entries.Any(e => e.Name.EndsWith(".tmp", StringComparison.Ordinal) || e.Name.EndsWith(CacheNames.SidecarSuffix, StringComparison.Ordinal)
            || e.Name.Contains(CacheNames.PartialSuffix, StringComparison.Ordinal)))
        {
            return false;
        }

        var ggufs = entries.Where(e => e.Kind == FileKind.Regular && !e.Name.StartsWith('.') && e.Name.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase)).ToList();
        if (ggufs.Count != 1)
        {
            return false;
        }

        var candidate = ggufs[0].Name;
        var candidatePath = target.Directory.Child(candidate);
        string? sha = null;
        if (job.ExpectedSha256 is { } expected)
        {
            context.Reporter.Log($"found upstream cache file {candidatePath}; checking its sha256");
            sha = await FileHasher.Sha256HexAsync(target, candidate, ct).ConfigureAwait(false);
            if (sha != expected)
            {
                context.Reporter.Log($"{candidatePath}: sha256 {sha} is not the expected {expected}; not adopting it");
                return false;
            }
        }

        var errno = target.Directory.Link(candidate, target.Name);
        if (errno != 0 || target.Stat() is not { Kind: FileKind.Regular } stat)
        {
            context.Reporter.Log($"cannot hard-link {candidatePath} as {job.FinalPath} ({(errno != 0 ? Libc.Describe(errno) : "not a regular file")}); downloading instead");
            return false;
        }

        SidecarStore.WriteDurably(target, new Sidecar
        {
            File = target.Name,
            Size = stat.Size,
            MtimeUnixNs = stat.MtimeUnixNs,
            Sha256 = sha,
            Sha256Check = sha is null ? null : "expected",
            Source = job.RecordedSource,
            FetchedAt = context.Time.GetUtcNow(),
            Origin = "adopted",
        });
        context.Reporter.Log($"adopted upstream cache file {candidatePath} as {job.FinalPath} (hard link, no download)");
        return true;
    }
}
