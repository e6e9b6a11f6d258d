using System.Text.Json;
using LlmKube.Contracts;

namespace LlmKube.Cli.CacheJobs;

/// <summary>
/// Reads the fetcher's termination message in a cache Job's pod status (docs/CONTRACTS.md §5): a report
/// (<see cref="CacheReportJson"/>), or a failure line (<see cref="TerminationMessage"/>), returned as the error text.
/// </summary>
internal static class CacheReports
{
    public static CacheListingReport ParseListing(string? message) => Parse(message, FetcherCommands.CacheList, CacheReportJson.ReadListing);

    public static CacheRemovalReport ParseRemoval(string? message)
    {
        var report = Parse(message, FetcherCommands.CacheRemove, CacheReportJson.ReadRemoval);
        return report.Truncated is { } truncated
            ? throw new CacheReportException($"cache-rm's report did not fit in the termination message (truncated: {truncated}); run llmkube cache list to see what is left")
            : report;
    }

    private static T Parse<T>(string? message, string verb, Func<string, T> read)
    {
        var text = message?.Trim() ?? "";
        if (TerminationMessage.Parse(text) is { } failure)
        {
            throw new CacheReportException(failure.Message.Length == 0 ? failure.Reason : $"{failure.Reason}: {failure.Message}");
        }

        if (text.Length == 0)
        {
            throw new CacheReportException($"{verb} wrote no report (termination message \"\")");
        }

        try
        {
            return read(text);
        }
        catch (JsonException e)
        {
            throw new CacheReportException($"{verb} wrote an unreadable report ({e.Message}; termination message \"{Clip(text)}\"): is --fetcher-image a llmkube-fetch with {verb}?");
        }
    }

    private static string Clip(string text) => text.Length <= 120 ? text : text[..120] + "…";
}

/// <summary>The fetcher's report is missing, unreadable, or a failure line.</summary>
internal sealed class CacheReportException : Exception
{
    public CacheReportException(string message)
        : base(message)
    {
    }

    public CacheReportException()
    {
    }

    public CacheReportException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
