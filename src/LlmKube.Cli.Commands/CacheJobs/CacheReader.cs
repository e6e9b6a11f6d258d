using LlmKube.Cli.Cluster;
using LlmKube.Contracts;

namespace LlmKube.Cli.CacheJobs;

/// <summary>The contents of one claim, or why they are unknown.</summary>
internal sealed record ClaimContents(ClaimUsage Usage, CacheListingReport? Contents, string? NotRead, bool TimedOut, bool Failed = false);

/// <summary>Reads claims with read-only <c>cache-ls</c> Jobs, a few at a time.</summary>
internal sealed class CacheReader(ClusterSession session, string image, TimeSpan timeout)
{
    private const int Parallel = 4;

    public async Task<IReadOnlyList<ClaimContents>> ReadAsync(IEnumerable<ClaimUsage> claims, CancellationToken ct)
    {
        using var gate = new SemaphoreSlim(Parallel);
        var reads = claims.Select(async usage =>
        {
            await gate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                return await ReadOneAsync(usage, ct).ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }
        }).ToList();
        return await Task.WhenAll(reads).ConfigureAwait(false);
    }

    public async Task<ClaimContents> ReadOneAsync(ClaimUsage usage, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(usage);
        if (usage.NotReadable is { } why)
        {
            return new ClaimContents(usage, null, why, false);
        }

        var placement = await ClaimPlacement.ResolveAsync(session.Api, usage, ct).ConfigureAwait(false);
        var request = new CacheJobRequest(usage.Namespace, usage.Name, CacheOperation.List, [], image, timeout, placement);
        var result = await new CacheJobRunner(session.Client).RunAsync(request, ct).ConfigureAwait(false);
        if (result.Unschedulable)
        {
            return new ClaimContents(usage, null, result.Problem, false);
        }

        if (!result.Finished)
        {
            return new ClaimContents(usage, null, $"the cache Job {result.JobName} could not read it: {result.Problem}", result.TimedOut, Failed: !result.TimedOut);
        }

        try
        {
            var contents = CacheReports.ParseListing(result.Message);
            return result.ExitCode == 0
                ? new ClaimContents(usage, contents, null, false)
                : new ClaimContents(usage, null, $"the cache Job {result.JobName} failed (exit {result.ExitCode})", false, Failed: true);
        }
        catch (CacheReportException e)
        {
            return new ClaimContents(usage, null, $"the cache Job {result.JobName} failed (exit {result.ExitCode}): {e.Message}", false, Failed: true);
        }
    }
}
