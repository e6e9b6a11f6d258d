using LlmKube.Fetcher.Cache;
using LlmKube.Fetcher.Cli;
using LlmKube.Fetcher.Sources;

namespace LlmKube.Fetcher.Fetch;

/// <summary>
/// `llmkube-fetch fetch`: a lock-free cache-hit check first (no network; hashing only for an expected sha256), then under the entry lock each
/// file is checked again (another fetcher may just have finished it) and fetched if needed. The entry directory and
/// everything in it are reached through descriptors (docs/SECURITY.md, tenant-writable volumes).
/// </summary>
internal sealed class FetchCommand(FetchContext context)
{
    public async Task<IReadOnlyList<FileResult>> RunAsync(CancellationToken ct)
    {
        var options = context.Options;

        if (VerifiedHit(options) is { } hit)
        {
            context.Reporter.Log(hit.Message);
            return [.. hit.Targets.Select(t => new FileResult(t.Path, FileOutcome.Hit, 0))];
        }

        using var http = new HttpClients(options.CaDir, options.Connections, CredentialOriginGuard.OriginsOf(options), options.Network);
        var resolver = new SourceResolver(options, http);
        try
        {
            var jobs = resolver.Resolve();
            using var entry = CacheEntry.OpenOrCreate(options.EntryDirectory, context.Reporter.Log);
            using var entryLock = await EntryLock.AcquireAsync(entry, context.Time, context.Reporter.Log, ct).ConfigureAwait(false);
            var results = new List<FileResult>(jobs.Count);
            var fetcher = new FileFetcher(context);
            foreach (var job in jobs)
            {
                using var file = entry.File(job.Relative, context.Reporter.Log)!;
                results.Add(await fetcher.FetchAsync(job, file, ct).ConfigureAwait(false));
            }

            return results;
        }
        finally
        {
            resolver.DisposeClients();
        }
    }

    /// <summary>
    /// The lock-free cache hit: every target is present and vouched for by its sidecar, and the refresh policy lets a
    /// present file stand. It touches only the sidecars and stats the files: no HTTP stack, no source parsing, no hashing.
    /// The engine and the front binary (Front/FrontDoor.cs) both decide and report a hit here.
    /// </summary>
    internal static VerifiedHitReport? VerifiedHit(FetchOptions options)
    {
        var targets = Targets(options);
        if (options.Refresh != RefreshPolicy.IfNotPresent || !IsVerifiedHit(options.EntryDirectory, targets))
        {
            return null;
        }

        var verified = targets.Any(t => t.Sha256 is not null) ? " (sha256 verified)" : string.Empty;
        return new VerifiedHitReport(
            (targets.Count == 1 ? $"cache hit: {targets[0].Path}" : $"cache hit: {targets.Count} files in {options.EntryDirectory}") + verified,
            targets);
    }

    /// <summary>Paths relative to the entry, full paths for messages, expected digests (the file list is already validated).</summary>
    internal static IReadOnlyList<(string Relative, string Path, string? Sha256)> Targets(FetchOptions options) => options.IsMultiFile
        ? [.. options.Files.Select((f, i) => (f, Path.Combine(options.DestDir!, f), i == 0 ? options.Sha256 : null))]
        : [(Path.GetFileName(options.Dest!), options.Dest!, options.Sha256)];

    /// <summary>
    /// Every target has a sidecar that describes it and vouches for its bytes (<see cref="SidecarStore.Vouches"/>):
    /// anything else goes the locked way, which hashes the file (docs/SECURITY.md, section 7).
    /// </summary>
    private static bool IsVerifiedHit(string entryPath, IReadOnlyList<(string Relative, string Path, string? Sha256)> targets)
    {
        using var entry = CacheEntry.TryOpen(entryPath);
        if (entry is null)
        {
            return false;
        }

        foreach (var target in targets)
        {
            using var file = entry.File(target.Relative, log: null);
            if (file is null || SidecarStore.ReadValid(file) is not var (sidecar, stat) || !SidecarStore.Vouches(sidecar, stat, target.Sha256))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>A cache hit: the log line both binaries print and the files it covers.</summary>
internal sealed record VerifiedHitReport(string Message, IReadOnlyList<(string Relative, string Path, string? Sha256)> Targets);
