using LlmKube.Fetcher.Cache;
using LlmKube.Fetcher.Failures;
using LlmKube.Fetcher.Sources;
using LlmKube.Fetcher.Transfer;

namespace LlmKube.Fetcher.Fetch;

/// <summary>
/// Probe, transfer (ranged or single stream), verify, publish. The final name only ever appears through a rename of a
/// complete, fsynced, verified temp file; a sha256 mismatch deletes the temp file.
/// </summary>
internal sealed class Downloader(FetchContext context)
{
    private const int MaxRestarts = 2;

    /// <summary>No model file is a pebibyte; a size beyond it is a hostile or broken answer, not a reason to fill the volume.</summary>
    private const long MaxPlausibleSize = 1L << 50;

    public async Task<RemoteFile> ProbeAsync(IFileSource source, CancellationToken ct)
    {
        var remote = await ProbeOnceOrRetryAsync(source, ct).ConfigureAwait(false);
        if (remote.Size is > MaxPlausibleSize or < 0)
        {
            throw new FetchException(FailureReason.IntegrityMismatch, $"{source.Display}: the source announces {remote.Size} bytes, which no model file has");
        }

        return remote;
    }

    private async Task<RemoteFile> ProbeOnceOrRetryAsync(IFileSource source, CancellationToken ct)
    {
        for (var failures = 1; ; failures++)
        {
            // A server that accepts the connection and never answers is a stall too.
            using var stall = CancellationTokenSource.CreateLinkedTokenSource(ct);
            stall.CancelAfter(context.Options.StallTimeout);
            try
            {
                return await source.ProbeAsync(stall.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested && failures < context.Options.MaxAttempts)
            {
                context.Reporter.Log($"{source.Display}: no answer for {context.Options.StallTimeout.TotalSeconds:F0}s; retrying");
            }
            catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
            {
                throw new TransientException($"{source.Display}: no answer for {context.Options.StallTimeout.TotalSeconds:F0}s, {failures} times", e);
            }
            catch (Exception e) when (FailureClassifier.IsTransient(e, ct) && failures < context.Options.MaxAttempts)
            {
                context.Reporter.Log($"{source.Display}: {e.Message}; retrying");
                await Task.Delay(TransferSettings.Backoff(failures), context.Time, ct).ConfigureAwait(false);
            }
        }
    }

    public async Task<FileResult> DownloadAsync(FetchJob job, CacheFile file, RemoteFile? probed, CancellationToken ct)
    {
        var remote = probed ?? await ProbeAsync(job.Source, ct).ConfigureAwait(false);
        if (job.ExpectedSha256 is { } expected && remote.AnnouncedSha256 is { } announced && expected != announced)
        {
            throw new FetchException(FailureReason.IntegrityMismatch,
                $"{job.Source.Display}: expected sha256 {expected} but the hub announces {announced}; nothing downloaded");
        }

        for (var restart = 0; ; restart++)
        {
            try
            {
                return await TransferAsync(job, file, remote, ct).ConfigureAwait(false);
            }
            catch (SourceChangedException e) when (restart < MaxRestarts)
            {
                context.Reporter.Log($"{e.Message}; starting over");
                remote = await ProbeAsync(job.Source, ct).ConfigureAwait(false);
            }
        }
    }

    private async Task<FileResult> TransferAsync(FetchJob job, CacheFile file, RemoteFile remote, CancellationToken ct)
    {
        var options = context.Options;
        // Ranges only where each one can be checked against the probed version (a strong ETag or a Last-Modified).
        var ranged = remote.AcceptsRanges && remote.Size is not null && remote.DataValidator.GuardsRanges;
        using var partial = PartialDownload.Open(file, remote, job.RecordedSource, options.ChunkSize, ranged, context.Transfer.DirectIo, context.Transfer.Fsync, context.Time, context.Reporter.Log);
        var counter = new ByteCounter { Total = remote.Size };
        var stages = new StageTimes(context.Time);
        var started = context.Time.GetTimestamp();
        if (partial.Resumed)
        {
            context.Reporter.Log($"resuming {job.Source.Display}: {ProgressReporterBytes(partial.Map!.DoneBytes)} of {ProgressReporterBytes(remote.Size!.Value)} already present");
        }
        else
        {
            context.Reporter.Log($"downloading {job.Source.Display} ({(remote.Size is { } s ? ProgressReporterBytes(s) : "size unknown")}, "
                + (ranged ? $"{Math.Min(options.Connections, Math.Max(1, partial.Map!.Count))} connections" : "single stream")
                + (partial.File.IsDirect ? ", direct I/O" : "") + ")");
        }

        context.Reporter.Start(Path.GetFileName(job.FinalPath), counter);
        byte[] digest;
        long length;
        using var transferCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var floor = new ThroughputFloor(counter, context.Transfer.MinThroughput, context.Transfer.ThroughputWindow, context.Time);
        var watch = floor.WatchAsync(job.Source.Display, transferCts, transferCts.Token);
        try
        {
            if (ranged)
            {
                var transfer = new RangedTransfer(job.Source, remote, partial.File, partial.Map!, context.Transfer, counter, stages, context.Time, () => partial.SaveState());
                digest = await transfer.RunAsync(transferCts.Token).ConfigureAwait(false);
                length = remote.Size!.Value;
            }
            else
            {
                var transfer = new StreamTransfer(job.Source, remote, partial.File, context.Transfer, counter, stages, context.Time);
                (digest, length) = await transfer.RunAsync(transferCts.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            context.Reporter.Stop();
            var failure = e is OperationCanceledException && !ct.IsCancellationRequested && floor.Failure is { } slow ? slow : e;
            if (DiscardsPartial(failure))
            {
                partial.Discard();
            }
            else
            {
                TrySaveState(partial);
            }

            if (!ReferenceEquals(failure, e))
            {
                throw failure;
            }

            throw;
        }
        finally
        {
            await transferCts.CancelAsync().ConfigureAwait(false);
            await watch.ConfigureAwait(false);
        }

        context.Reporter.Stop();
        var sha = Convert.ToHexStringLower(digest);
        string? check = null;
        foreach (var (want, by) in new[] { (job.ExpectedSha256, "expected"), (remote.AnnouncedSha256, "hub") })
        {
            if (want is null)
            {
                continue;
            }

            if (want != sha)
            {
                partial.Discard();
                throw new FetchException(FailureReason.IntegrityMismatch,
                    $"{job.Source.Display}: sha256 is {sha} but {(by == "hub" ? "the hub announces" : "the expected value is")} {want}; the downloaded file was deleted");
            }

            check ??= by;
        }

        var publishing = context.Time.GetTimestamp();
        try
        {
            partial.Publish(file, length, context.Transfer.Fsync, (size, mtime) => new Sidecar
            {
                File = file.Name,
                Size = size,
                MtimeUnixNs = mtime,
                Sha256 = sha,
                Sha256Check = check ?? "computed",
                Source = job.RecordedSource,
                ETag = remote.Identity.ETag,
                LastModified = remote.Identity.LastModified,
                Commit = remote.Commit,
                FetchedAt = context.Time.GetUtcNow(),
                Origin = partial.Resumed ? "resume" : "download",
                BytesTransferred = counter.Received,
            });
        }
        catch (Exception e) when (DiscardsPartial(e))
        {
            // The cleanup promise covers the metadata writes too: a full disk while writing the sidecar gives the
            // complete but unpublished download's space back. A failed final fsync leaves nothing to trust.
            partial.Discard();
            throw;
        }

        var published = context.Time.GetElapsedTime(publishing).TotalSeconds;
        var seconds = context.Time.GetElapsedTime(started).TotalSeconds;
        context.Reporter.Log($"done: {job.FinalPath} ({ProgressReporterBytes(length)}, {ProgressReporterBytes(counter.Received)} transferred in {seconds:F1}s, "
            + $"{ProgressReporterBytes((long)(counter.Received / Math.Max(seconds, 1e-3)))}/s; busy: sha256 {stages.Hashing.TotalSeconds:F3}s, "
            + $"disk I/O {stages.Disk.TotalSeconds:F3}s, {(context.Transfer.Fsync ? "fsync and rename" : "rename")} {published:F3}s), sha256 {sha} ({check ?? "computed"})");
        return new FileResult(job.FinalPath, FileOutcome.Downloaded, counter.Received);
    }

    /// <summary>
    /// Failures after which the partial download is deleted instead of kept for a resume: a changed source cannot be
    /// resumed, a body longer than announced is not the file, a full disk needs the space back, and after an I/O error
    /// on the partial nothing written can be trusted (<see cref="DurabilityLostException"/>).
    /// </summary>
    private static bool DiscardsPartial(Exception failure) =>
        failure is SourceChangedException or FetchException { Reason: FailureReason.IntegrityMismatch }
        || FailureClassifier.IsOutOfSpace(failure)
        || FailureClassifier.IsDurabilityLost(failure);

    private static void TrySaveState(PartialDownload partial)
    {
        try
        {
            partial.SaveState(force: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Resume will redo the chunks the state does not list.
        }
    }

    private static string ProgressReporterBytes(long n) => Progress.ProgressReporter.Bytes(n);
}
