namespace LlmKube.Fetcher.Sources;

/// <summary>What identifies a version of a remote object: ETag, else Last-Modified.</summary>
internal sealed record Validator(string? ETag, string? LastModified)
{
    public static readonly Validator None = new(null, null);

    public bool IsEmpty => ETag is null && LastModified is null;

    /// <summary>True when both describe the same version (never for an empty validator).</summary>
    public bool SameAs(Validator? other)
    {
        if (other is null || IsEmpty || other.IsEmpty)
        {
            return false;
        }

        return ETag is not null || other.ETag is not null
            ? string.Equals(Strip(ETag), Strip(other.ETag), StringComparison.Ordinal)
            : string.Equals(LastModified, other.LastModified, StringComparison.Ordinal);
    }

    /// <summary>The If-Range value: a strong ETag, else Last-Modified (weak ETags are not allowed in If-Range).</summary>
    public string? IfRange => StrongETag ?? LastModified;

    /// <summary>
    /// Whether ranges of this version can be checked against it: a strong ETag, or a Last-Modified. Without either, parts
    /// fetched by separate requests could come from different versions unnoticed, so such a source gets one stream.
    /// </summary>
    public bool GuardsRanges => IfRange is not null;

    private string? StrongETag => ETag is { } e && !e.StartsWith("W/", StringComparison.Ordinal) ? e : null;

    /// <summary>
    /// True when a response with validator <paramref name="answer"/> and total size <paramref name="answerSize"/> is of
    /// this version of size <paramref name="size"/> (finding 5 of issue 12): the same strong ETag, or without one the same
    /// Last-Modified and size. A server that ignores If-Range and answers 206 from a new version fails this.
    /// </summary>
    public bool Admits(Validator answer, long? answerSize, long? size)
    {
        if (answerSize is not null && size is not null && answerSize != size)
        {
            return false;
        }

        if (StrongETag is { } etag)
        {
            return string.Equals(etag, answer.StrongETag, StringComparison.Ordinal);
        }

        return LastModified is null || string.Equals(LastModified, answer.LastModified, StringComparison.Ordinal);
    }

    private static string? Strip(string? etag) => etag is null ? null : (etag.StartsWith("W/", StringComparison.Ordinal) ? etag[2..] : etag).Trim('"');
}

/// <summary>The result of probing a source before a transfer.</summary>
/// <param name="Size">Length in bytes, when the source tells it.</param>
/// <param name="Identity">The version recorded in the sidecar and the resume state (hub: X-Linked-Etag).</param>
/// <param name="DataValidator">The validator of the bytes actually transferred, sent as If-Range / If-Match.</param>
/// <param name="AcceptsRanges">Whether ranged reads work (206 seen).</param>
/// <param name="AnnouncedSha256">The sha256 the source vouches for (hub LFS files), lowercase hex.</param>
/// <param name="Commit">Hub commit (X-Repo-Commit).</param>
internal sealed record RemoteFile(
    long? Size,
    Validator Identity,
    Validator DataValidator,
    bool AcceptsRanges,
    string? AnnouncedSha256 = null,
    string? Commit = null);

/// <summary>One remote file: probe it, then read byte ranges of that version.</summary>
internal interface IFileSource
{
    /// <summary>The source for messages, without credentials.</summary>
    string Display { get; }

    Task<RemoteFile> ProbeAsync(CancellationToken ct);

    /// <summary>
    /// Opens [offset, offset+length) of the probed version (length null: to the end; offset 0 and length null on a
    /// source without ranges). Throws <see cref="Failures.SourceChangedException"/> when the version changed.
    /// </summary>
    Task<Stream> OpenAsync(RemoteFile remote, long offset, long? length, CancellationToken ct);
}
