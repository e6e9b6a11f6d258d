using System.Text.Json;
using System.Text.Json.Nodes;

namespace LlmKube.Cli.CacheJobs;

/// <summary>A model file inside an entry, with what the fetcher's sidecar says about it (fields dropped when the report was truncated).</summary>
internal sealed record CacheFile(string Name, long Bytes, string? Sha256, string? Sha256Check, string? Source, string? FetchedAt, string? Origin);

/// <summary>A cache entry <c>&lt;cacheKey&gt;/</c>: its total size (dot-files included), model files, bytes of downloads in progress.</summary>
internal sealed record CacheEntry(string Key, long Bytes, int FileCount, long PartialBytes, bool Busy, IReadOnlyList<CacheFile> Files);

/// <summary>Something at the claim's root that is not a cache entry (lost+found, another tool's files, a half-removed entry).</summary>
internal sealed record CacheOther(string Name, bool Directory, long Bytes);

/// <summary>What <c>llmkube-fetch cache-ls</c> found on a claim; <see cref="Truncated"/> names what did not fit in 4 KiB.</summary>
internal sealed record CacheContents(long Bytes, IReadOnlyList<CacheEntry> Entries, IReadOnlyList<CacheOther> Other, string? Truncated, int Omitted);

/// <summary>What <c>llmkube-fetch cache-rm</c> did, key by key.</summary>
internal sealed record CacheRemoval(IReadOnlyList<(string Key, long Bytes)> Removed, IReadOnlyList<string> Absent, IReadOnlyList<(string Key, string Error)> Failed);

/// <summary>Reads the fetcher's termination messages (docs/CONTRACTS.md §5). A failure line <c>reason=… message=…</c> is returned as the error text.</summary>
internal static class CacheReports
{
    public static CacheContents ParseListing(string? message)
    {
        var root = Parse(message, "cache-ls");
        var entries = Array(root, "entries").Select(e => new CacheEntry(
            Text(e, "key") ?? "",
            Long(e, "bytes"),
            (int)Long(e, "fileCount"),
            Long(e, "partialBytes"),
            e?["busy"]?.GetValue<bool>() == true,
            Array(e, "files").Select(f => new CacheFile(Text(f, "name") ?? "", Long(f, "bytes"), Text(f, "sha256"), Text(f, "sha256Check"), Text(f, "source"), Text(f, "fetchedAt"), Text(f, "origin"))).ToList()))
            .ToList();
        var other = Array(root, "other").Select(o => new CacheOther(Text(o, "name") ?? "", o?["dir"]?.GetValue<bool>() == true, Long(o, "bytes"))).ToList();
        return new CacheContents(Long(root, "bytes"), entries, other, Text(root, "truncated"), (int)Long(root, "omitted"));
    }

    public static CacheRemoval ParseRemoval(string? message)
    {
        var root = Parse(message, "cache-rm");
        if (Text(root, "truncated") is { } truncated)
        {
            throw new CacheReportException($"cache-rm's report did not fit in the termination message (truncated: {truncated}); run llmkube cache list to see what is left");
        }

        return new CacheRemoval(
            Array(root, "removed").Select(r => (Text(r, "key") ?? "", Long(r, "bytes"))).ToList(),
            Array(root, "absent").Select(a => a?.GetValue<string>() ?? "").ToList(),
            Array(root, "failed").Select(f => (Text(f, "key") ?? "", Text(f, "error") ?? "unknown error")).ToList());
    }

    private static JsonObject Parse(string? message, string verb)
    {
        var text = message?.Trim() ?? "";
        if (text.StartsWith("reason=", StringComparison.Ordinal))
        {
            var at = text.IndexOf(" message=", StringComparison.Ordinal);
            throw new CacheReportException(at < 0 ? text : $"{text[7..at]}: {text[(at + 9)..]}");
        }

        try
        {
            return JsonNode.Parse(text) as JsonObject ?? throw new CacheReportException($"{verb} wrote no report (termination message \"{Clip(text)}\")");
        }
        catch (JsonException e)
        {
            throw new CacheReportException($"{verb} wrote an unreadable report ({e.Message}; termination message \"{Clip(text)}\"): is --fetcher-image a llmkube-fetch with {verb}?");
        }
    }

    private static IEnumerable<JsonNode?> Array(JsonNode? node, string name) => node?[name] as JsonArray ?? [];

    private static string? Text(JsonNode? node, string name) => node?[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static long Long(JsonNode? node, string name) => node?[name] is JsonValue value && value.TryGetValue<long>(out var number) ? number : 0;

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
