using LlmKube.Fetcher.Cache;
using LlmKube.Fetcher.Cli;
using LlmKube.Fetcher.Sources;

namespace LlmKube.Fetcher.Fetch;

/// <summary>
/// `llmkube-fetch fetch`: a lock-free cache-hit check first (no network, no hashing), then under the entry lock each
/// file is checked again (another fetcher may just have finished it) and fetched if needed.
/// </summary>
internal sealed class FetchCommand(FetchContext context)
{
    public async Task<IReadOnlyList<FileResult>> RunAsync(CancellationToken ct)
    {
        var options = context.Options;

        // The hit path touches only the sidecars and stats the files: no HTTP stack, no source parsing, no hashing.
        var targets = Targets(options);
        if (options.Refresh == RefreshPolicy.IfNotPresent && targets.All(t => IsVerifiedHit(t.Path, t.Sha256)))
        {
            context.Reporter.Log(targets.Count == 1 ? $"cache hit: {targets[0].Path}" : $"cache hit: {targets.Count} files in {options.EntryDirectory}");
            return [.. targets.Select(t => new FileResult(t.Path, FileOutcome.Hit, 0))];
        }

        using var http = new HttpClients(options.CaDir, options.Connections, CredentialOriginGuard.OriginsOf(options));
        var resolver = new SourceResolver(options, http);
        try
        {
            var jobs = resolver.Resolve();
            FileModes.CreateDirectory(options.EntryDirectory);
            using var entryLock = await EntryLock.AcquireAsync(options.EntryDirectory, context.Time, context.Reporter.Log, ct).ConfigureAwait(false);
            var results = new List<FileResult>(jobs.Count);
            var fetcher = new FileFetcher(context);
            foreach (var job in jobs)
            {
                results.Add(await fetcher.FetchAsync(job, ct).ConfigureAwait(false));
            }

            return results;
        }
        finally
        {
            resolver.DisposeClients();
        }
    }

    /// <summary>Final paths and expected digests, straight from the options (the file list is already validated).</summary>
    internal static IReadOnlyList<(string Path, string? Sha256)> Targets(FetchOptions options) => options.IsMultiFile
        ? [.. options.Files.Select((f, i) => (Path.GetFullPath(Path.Combine(options.DestDir!, f)), i == 0 ? options.Sha256 : null))]
        : [(options.Dest!, options.Sha256)];

    internal static bool IsVerifiedHit(string path, string? expectedSha256) =>
        SidecarStore.ReadValid(path) is { } sidecar
        && (expectedSha256 is null || string.Equals(sidecar.Sha256, expectedSha256, StringComparison.Ordinal));
}
