using LlmKube.Fetcher.Cache;
using LlmKube.Fetcher.Native;
using LlmKube.Fetcher.Sources;

namespace LlmKube.Fetcher.Fetch;

/// <summary>
/// Caches filled by upstream LLMKube keep a single-file entry as `/models/KEY/SOMETHING.gguf` with no sidecar, where
/// SOMETHING may differ from our file name. When our file is missing and the entry holds exactly one complete *.gguf
/// (no upstream `.tmp`, no partial of ours) and no sidecar at all, that file is hard-linked under our name (verified
/// first when a sha256 is expected) instead of being downloaded again.
/// </summary>
internal static class UpstreamAdoption
{
    public static async Task<bool> TryAdoptAsync(FetchJob job, FetchContext context, CancellationToken ct)
    {
        var dir = Path.GetDirectoryName(job.FinalPath)!;
        var names = Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName).OfType<string>().ToList();
        if (names.Any(n => n.EndsWith(".tmp", StringComparison.Ordinal) || n.EndsWith(CacheNames.SidecarSuffix, StringComparison.Ordinal)
            || n.Contains(CacheNames.PartialSuffix, StringComparison.Ordinal)))
        {
            return false;
        }

        var ggufs = names.Where(n => !n.StartsWith('.') && n.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase)
            && File.Exists(Path.Combine(dir, n)) && !Directory.Exists(Path.Combine(dir, n))).ToList();
        if (ggufs.Count != 1)
        {
            return false;
        }

        var candidate = Path.Combine(dir, ggufs[0]);
        string? sha = null;
        if (job.ExpectedSha256 is { } expected)
        {
            context.Reporter.Log($"found upstream cache file {candidate}; checking its sha256");
            sha = await FileHasher.Sha256HexAsync(candidate, ct).ConfigureAwait(false);
            if (sha != expected)
            {
                context.Reporter.Log($"{candidate}: sha256 {sha} is not the expected {expected}; not adopting it");
                return false;
            }
        }

        var errno = Libc.Link(candidate, job.FinalPath);
        if (errno != 0)
        {
            context.Reporter.Log($"cannot hard-link {candidate} as {job.FinalPath} ({Libc.Describe(errno)}); downloading instead");
            return false;
        }

        var info = new FileInfo(job.FinalPath);
        SidecarStore.WriteDurably(job.FinalPath, new Sidecar
        {
            File = info.Name,
            Size = info.Length,
            MtimeUnixNs = SidecarStore.MtimeUnixNs(info),
            Sha256 = sha,
            Sha256Check = sha is null ? null : "expected",
            Source = job.RecordedSource,
            FetchedAt = context.Time.GetUtcNow(),
            Origin = "adopted",
        });
        context.Reporter.Log($"adopted upstream cache file {candidate} as {job.FinalPath} (hard link, no download)");
        return true;
    }
}
