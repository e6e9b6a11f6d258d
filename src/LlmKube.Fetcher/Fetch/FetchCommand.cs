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
        using var http = new HttpClients(options.CaDir, options.Connections);
        var resolver = new SourceResolver(options, http);
        try
        {
            var jobs = resolver.Resolve();
            if (options.Refresh == RefreshPolicy.IfNotPresent && jobs.All(IsVerifiedHit))
            {
                context.Reporter.Log(jobs.Count == 1 ? $"cache hit: {jobs[0].FinalPath}" : $"cache hit: {jobs.Count} files in {options.EntryDirectory}");
                return [.. jobs.Select(j => new FileResult(j.FinalPath, FileOutcome.Hit, 0))];
            }

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

    internal static bool IsVerifiedHit(FetchJob job) =>
        SidecarStore.ReadValid(job.FinalPath) is { } sidecar
        && (job.ExpectedSha256 is null || string.Equals(sidecar.Sha256, job.ExpectedSha256, StringComparison.Ordinal));
}
