using System.Text.Json.Serialization;
using LlmKube.Fetcher.Native;

namespace LlmKube.Fetcher.Cache;

/// <summary>
/// The sidecar `.NAME.llmkube.json` beside a published model file. `size` and `mtimeUnixNs` identify the exact file the
/// record describes: a record whose size or mtime differs from the file is ignored (the file changed behind our back).
/// </summary>
internal sealed record Sidecar
{
    public int Version { get; init; } = 1;

    public required string File { get; init; }

    public required long Size { get; init; }

    public required long MtimeUnixNs { get; init; }

    /// <summary>Lowercase hex sha256 of the file, or null when it was adopted without hashing.</summary>
    public string? Sha256 { get; init; }

    /// <summary>What the digest was checked against: `expected` (--sha256), `hub` (X-Linked-Etag), `computed` (nothing to check against), or null.</summary>
    public string? Sha256Check { get; init; }

    /// <summary>The source with any user:password removed.</summary>
    public required string Source { get; init; }

    public string? ETag { get; init; }

    public string? LastModified { get; init; }

    /// <summary>Hugging Face commit (X-Repo-Commit) when known.</summary>
    public string? Commit { get; init; }

    public required DateTimeOffset FetchedAt { get; init; }

    /// <summary>`download`, `resume`, `adopted` (upstream LLMKube entry) or `present` (file found without a sidecar).</summary>
    public required string Origin { get; init; }

    /// <summary>Bytes this fetch moved over the network (0 for adoption).</summary>
    public long BytesTransferred { get; init; }

    /// <summary>
    /// The file's inode and ctime right after its bytes were found to hash to <see cref="Sha256"/>. While the file
    /// still has them, its bytes were not rewritten or replaced since, so a hit need not hash it again; absent in
    /// sidecars of earlier versions (the next hit hashes once and records them).
    /// </summary>
    public FileIdentity? Verified { get; init; }
}

/// <summary>Resume state `.NAME.ID.llmkube-partial.json`: which chunks of the partial file are complete.</summary>
internal sealed record PartialState
{
    public int Version { get; init; } = 1;

    public required string Source { get; init; }

    public required long Size { get; init; }

    public required long ChunkSize { get; init; }

    public string? ETag { get; init; }

    public string? LastModified { get; init; }

    /// <summary>Completed chunks as a base64 bitmap (bit i of byte i/8 = chunk i).</summary>
    public required string Done { get; init; }

    /// <summary>
    /// The completed chunks an fsync made durable, in the same form; absent in states of earlier versions. After a
    /// restart of the node (<see cref="BootId"/> differs) only these are trusted: the others may have been in a cache
    /// that died with it.
    /// </summary>
    public string? Durable { get; init; }

    /// <summary>The kernel's boot id (/proc/sys/kernel/random/boot_id) when the state was written.</summary>
    public string? BootId { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Sidecar))]
[JsonSerializable(typeof(PartialState))]
internal sealed partial class CacheJson : JsonSerializerContext;
