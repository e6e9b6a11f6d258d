using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LlmKube.Contracts;

/// <summary>
/// What <c>cache-ls</c> found on a cache volume (docs/CONTRACTS.md section 5). Written by the fetcher in full on
/// stdout and, shortened to <see cref="TerminationMessage.MaxBytes"/>, to the termination log, where the CLI reads it.
/// </summary>
public sealed record CacheListingReport
{
    [JsonPropertyName("v")]
    public int Version { get; init; } = CacheReportJson.Version;

    /// <summary>Bytes under the volume root, everything included.</summary>
    [JsonPropertyName("bytes")]
    public long Bytes { get; init; }

    [JsonPropertyName("entries")]
    public IReadOnlyList<CacheEntryReport> Entries { get; init; } = [];

    /// <summary>What lies at the root and is not an entry (lost+found, another tool's files, a half-removed entry).</summary>
    [JsonPropertyName("other")]
    public IReadOnlyList<CacheOtherReport> Other { get; init; } = [];

    /// <summary>The step of detail dropped to fit (<c>sources</c>, <c>details</c>, <c>files</c>, <c>entries</c>); null when complete.</summary>
    [JsonPropertyName("truncated")]
    public string? Truncated { get; init; }

    /// <summary>Entries left out entirely to fit; null when none were.</summary>
    [JsonPropertyName("omitted")]
    public int? Omitted { get; init; }
}

/// <summary>One entry <c>&lt;cacheKey&gt;/</c>: total size (dot-files included), model files, bytes of downloads in progress.</summary>
public sealed record CacheEntryReport
{
    [JsonPropertyName("key")]
    public string Key { get; init; } = "";

    [JsonPropertyName("bytes")]
    public long Bytes { get; init; }

    [JsonPropertyName("fileCount")]
    public int FileCount { get; init; }

    [JsonPropertyName("partialBytes")]
    public long PartialBytes { get; init; }

    /// <summary>A fetcher holds the entry's lock.</summary>
    [JsonPropertyName("busy")]
    public bool Busy { get; init; }

    /// <summary>Why the entry could not be read completely; null when it could.</summary>
    [JsonPropertyName("error")]
    public string? Error { get; init; }

    /// <summary>The model files; null when left out to fit.</summary>
    [JsonPropertyName("files")]
    public IReadOnlyList<CacheFileReport>? Files { get; init; }
}

/// <summary>A model file inside an entry, with what the fetcher's sidecar records about it (details dropped to fit).</summary>
public sealed record CacheFileReport
{
    [JsonPropertyName("name")]
    public string Name { get; init; } = "";

    [JsonPropertyName("bytes")]
    public long Bytes { get; init; }

    [JsonPropertyName("sha256")]
    public string? Sha256 { get; init; }

    [JsonPropertyName("sha256Check")]
    public string? Sha256Check { get; init; }

    [JsonPropertyName("fetchedAt")]
    public string? FetchedAt { get; init; }

    [JsonPropertyName("origin")]
    public string? Origin { get; init; }

    [JsonPropertyName("source")]
    public string? Source { get; init; }
}

/// <summary>Something at the volume root that is not a cache entry.</summary>
public sealed record CacheOtherReport
{
    [JsonPropertyName("name")]
    public string Name { get; init; } = "";

    [JsonPropertyName("dir")]
    public bool Directory { get; init; }

    [JsonPropertyName("bytes")]
    public long Bytes { get; init; }
}

/// <summary>What <c>cache-rm</c> did, key by key.</summary>
public sealed record CacheRemovalReport
{
    [JsonPropertyName("v")]
    public int Version { get; init; } = CacheReportJson.Version;

    [JsonPropertyName("removed")]
    public IReadOnlyList<CacheRemovedEntry> Removed { get; init; } = [];

    /// <summary>Keys that were not on the volume.</summary>
    [JsonPropertyName("absent")]
    public IReadOnlyList<string> Absent { get; init; } = [];

    [JsonPropertyName("failed")]
    public IReadOnlyList<CacheRemovalFailure> Failed { get; init; } = [];

    /// <summary>Set when even the shortest report did not fit (<c>everything</c>).</summary>
    [JsonPropertyName("truncated")]
    public string? Truncated { get; init; }
}

public sealed record CacheRemovedEntry([property: JsonPropertyName("key")] string Key, [property: JsonPropertyName("bytes")] long Bytes);

public sealed record CacheRemovalFailure([property: JsonPropertyName("key")] string Key, [property: JsonPropertyName("error")] string Error);

/// <summary>Compact JSON of the reports, source-generated (no reflection: the fetcher is Native AOT).</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CacheListingReport))]
[JsonSerializable(typeof(CacheRemovalReport))]
public sealed partial class CacheReportJson : JsonSerializerContext
{
    /// <summary>The schema version every report carries as <c>v</c>.</summary>
    public const int Version = 1;

    // Names and paths are for terminals and scripts, not HTML: '+', '<' and non-ASCII stay as they are, which also
    // keeps the report short under the termination-message limit.
    private static readonly CacheReportJson Compact = new(new JsonSerializerOptions
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    public static string Serialize(CacheListingReport report) => JsonSerializer.Serialize(report, Compact.CacheListingReport);

    public static string Serialize(CacheRemovalReport report) => JsonSerializer.Serialize(report, Compact.CacheRemovalReport);

    /// <summary>Reads a listing; throws <see cref="JsonException"/> when the text is not one.</summary>
    public static CacheListingReport ReadListing(string text) =>
        JsonSerializer.Deserialize(text, Compact.CacheListingReport) ?? throw new JsonException("the report is null");

    /// <summary>Reads a removal report; throws <see cref="JsonException"/> when the text is not one.</summary>
    public static CacheRemovalReport ReadRemoval(string text) =>
        JsonSerializer.Deserialize(text, Compact.CacheRemovalReport) ?? throw new JsonException("the report is null");
}
