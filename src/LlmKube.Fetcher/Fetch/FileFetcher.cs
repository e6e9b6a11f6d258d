using LlmKube.Fetcher.Cache;
using LlmKube.Fetcher.Cli;
using LlmKube.Fetcher.Failures;
using LlmKube.Fetcher.Native;
using LlmKube.Fetcher.Sources;

namespace LlmKube.Fetcher.Fetch;

/// <summary>
/// The refresh policies for one file, run under the entry lock. Only a regular file counts as present: a link, fifo or
/// device at the model's name (never something the fetcher creates) is replaced by the download's rename.
/// </summary>
internal sealed class FileFetcher(FetchContext context)
{
    private readonly Downloader _downloader = new(context);

    public async Task<FileResult> FetchAsync(FetchJob job, CacheFile file, CancellationToken ct)
    {
        var stat = file.Stat();
        if (stat is { Kind: FileKind.Directory })
        {
            throw new FetchException(FailureReason.CacheNotWritable,
                $"{file.Path} is a directory, not a model file: the fetcher never creates one there; remove it");
        }

        var present = stat is { Kind: FileKind.Regular } regular ? regular : (FileStat?)null;
        var sidecar = present is { } p && SidecarStore.Read(file) is { } read && SidecarStore.Describes(read, p) ? read : null;
        return context.Options.Refresh == RefreshPolicy.OnChange
            ? await OnChangeAsync(job, file, present, sidecar, ct).ConfigureAwait(false)
            : await IfNotPresentAsync(job, file, present, sidecar, ct).ConfigureAwait(false);
    }

    private async Task<FileResult> IfNotPresentAsync(FetchJob job, CacheFile file, FileStat? present, Sidecar? sidecar, CancellationToken ct)
    {
        var log = context.Reporter.Log;
        if (present is not null)
        {
            if (sidecar is not null && (job.ExpectedSha256 is null || sidecar.Sha256 == job.ExpectedSha256))
            {
                if (await UnchangedAsync(job, file, sidecar, present.Value, ct).ConfigureAwait(false))
                {
                    log(job.ExpectedSha256 is null ? $"cache hit: {job.FinalPath}" : $"cache hit: {job.FinalPath} (sha256 verified)");
                    return new FileResult(job.FinalPath, FileOutcome.Hit, 0);
                }
            }
            else if (sidecar is not null)
            {
                log($"{job.FinalPath}: recorded sha256 {sidecar.Sha256 ?? "(none)"} is not the expected {job.ExpectedSha256}; fetching again");
            }
            else if (await RecordPresentAsync(job, file, null, ct).ConfigureAwait(false))
            {
                return new FileResult(job.FinalPath, FileOutcome.Recorded, 0);
            }
        }
        else if (!context.Options.IsMultiFile && await UpstreamAdoption.TryAdoptAsync(job, file, context, ct).ConfigureAwait(false))
        {
            return new FileResult(job.FinalPath, FileOutcome.Adopted, 0);
        }

        return await _downloader.DownloadAsync(job, file, null, ct).ConfigureAwait(false);
    }

    private async Task<FileResult> OnChangeAsync(FetchJob job, CacheFile file, FileStat? present, Sidecar? sidecar, CancellationToken ct)
    {
        var log = context.Reporter.Log;
        if (present is not { } stat)
        {
            if (!context.Options.IsMultiFile && await UpstreamAdoption.TryAdoptAsync(job, file, context, ct).ConfigureAwait(false))
            {
                return new FileResult(job.FinalPath, FileOutcome.Adopted, 0);
            }

            return await _downloader.DownloadAsync(job, file, null, ct).ConfigureAwait(false);
        }

        try
        {
            var remote = await _downloader.ProbeAsync(job.Source, ct).ConfigureAwait(false);
            if (sidecar is not null && remote.Identity.SameAs(new Validator(sidecar.ETag, sidecar.LastModified))
                && (job.ExpectedSha256 is null || sidecar.Sha256 == job.ExpectedSha256)
                && await UnchangedAsync(job, file, sidecar, stat, ct).ConfigureAwait(false))
            {
                log($"revalidated (unchanged): {job.FinalPath}");
                return new FileResult(job.FinalPath, FileOutcome.Revalidated, 0);
            }

            // A file without a sidecar (filled by upstream LLMKube) of the remote's size is taken as that version, the
            // way upstream revalidates; with an expected sha256 it is hashed first.
            if (sidecar is null && remote.Size == stat.Size && await RecordPresentAsync(job, file, remote, ct).ConfigureAwait(false))
            {
                return new FileResult(job.FinalPath, FileOutcome.Recorded, 0);
            }

            log($"{job.FinalPath}: the source changed; fetching the new version");
            return await _downloader.DownloadAsync(job, file, remote, ct).ConfigureAwait(false);
        }
        catch (FetchException e) when (e.Reason is not (FailureReason.InvalidArguments or FailureReason.InvalidSource))
        {
            log($"kept cached copy {job.FinalPath}: {TerminationMessage.Format(e.Reason, e.Message)}");
            return new FileResult(job.FinalPath, FileOutcome.KeptCached, 0);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var classified = FailureClassifier.Classify(e);
            log($"kept cached copy {job.FinalPath}: {TerminationMessage.Format(classified.Reason, classified.Message)}");
            return new FileResult(job.FinalPath, FileOutcome.KeptCached, 0);
        }
    }

    /// <summary>
    /// Whether the described file still holds the expected bytes. Size and mtime prove nothing against a co-tenant who
    /// can write the claim (docs/SECURITY.md, section 1): known when the sidecar vouches for the file (its identity is
    /// the one recorded at the last hash), otherwise hashed now, and the identity recorded when it matches (the next
    /// hit is a stat again). Without an expected sha256 the sidecar is the record.
    /// </summary>
    private async Task<bool> UnchangedAsync(FetchJob job, CacheFile file, Sidecar sidecar, FileStat stat, CancellationToken ct)
    {
        if (SidecarStore.Vouches(sidecar, stat, job.ExpectedSha256) || job.ExpectedSha256 is not { } expected)
        {
            return true;
        }

        context.Reporter.Log($"{job.FinalPath} changed status since its sha256 was last checked (or was never checked by this version); hashing it");
        var (sha, stable) = await FileHasher.Sha256WithIdentityAsync(file, ct).ConfigureAwait(false);
        if (sha != expected)
        {
            context.Reporter.Log($"{job.FinalPath}: sha256 {sha} is not the expected {expected} although its sidecar records it (changed in place); fetching again");
            return false;
        }

        if (stable is not null)
        {
            SidecarStore.WriteDurably(file, sidecar with { Verified = stable });
        }

        return true;
    }

    /// <summary>
    /// Records a present file that has no sidecar. With an expected sha256 it is hashed once and kept only if it
    /// matches (false: fetch again); without one it is accepted as upstream did (existence), with no digest recorded.
    /// </summary>
    private async Task<bool> RecordPresentAsync(FetchJob job, CacheFile file, RemoteFile? remote, CancellationToken ct)
    {
        string? sha = null;
        FileIdentity? verified = null;
        if (job.ExpectedSha256 is { } expected)
        {
            context.Reporter.Log($"{job.FinalPath} has no sidecar; checking its sha256 once");
            (sha, verified) = await FileHasher.Sha256WithIdentityAsync(file, ct).ConfigureAwait(false);
            if (sha != expected)
            {
                context.Reporter.Log($"{job.FinalPath}: sha256 {sha} is not the expected {expected}; fetching again");
                return false;
            }
        }

        if (file.Stat() is not { Kind: FileKind.Regular } stat)
        {
            return false; // replaced while it was hashed: fetch it
        }

        SidecarStore.WriteDurably(file, new Sidecar
        {
            File = file.Name,
            Size = stat.Size,
            MtimeUnixNs = stat.MtimeUnixNs,
            Sha256 = sha,
            Sha256Check = sha is null ? null : "expected",
            Source = job.RecordedSource,
            ETag = remote?.Identity.ETag,
            LastModified = remote?.Identity.LastModified,
            Commit = remote?.Commit,
            FetchedAt = context.Time.GetUtcNow(),
            Origin = "present",
            Verified = verified == stat.Identity ? verified : null,
        });
        context.Reporter.Log($"cache hit (recorded existing file): {job.FinalPath}");
        return true;
    }
}
