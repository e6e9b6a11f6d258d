using System.Text.Json;
using LlmKube.Fetcher.Native;
using LlmKube.Fetcher.Sources;
using LlmKube.Fetcher.Transfer;

namespace LlmKube.Fetcher.Cache;

/// <summary>
/// The temp file of one download (`.NAME.ID.llmkube-partial`) and, for ranged downloads, its resume state, in the
/// directory of the final file, reached only through that directory's descriptor. Opened only under the entry lock: an
/// existing partial whose state matches the source, size and validator is resumed; any other partial of the same file
/// (or anything that is not a regular file under such a name) is stale and deleted. The state records which completed
/// chunks an fsync made durable and the boot it was written in: after the node restarted only those are resumed, since
/// the rest may have been in a cache that died with it.
/// </summary>
internal sealed class PartialDownload : IDisposable
{
    private static readonly TimeSpan SaveInterval = TimeSpan.FromMilliseconds(100);
    private readonly Lock _saveGate = new();
    private readonly PartialState? _template;
    private readonly TimeProvider _time;
    private readonly DirectoryHandle _directory;
    private long _lastSave;

    private PartialDownload(DirectoryHandle directory, string name, TargetFile file, ChunkMap? map, PartialState? template, bool resumed, TimeProvider time)
    {
        _directory = directory;
        Name = name;
        File = file;
        Map = map;
        _template = template;
        Resumed = resumed;
        _time = time;
        _lastSave = time.GetTimestamp();
    }

    /// <summary>The partial's name in the final file's directory.</summary>
    public string Name { get; }

    public TargetFile File { get; }

    /// <summary>Chunk map of a ranged download; null for a single stream (not resumable).</summary>
    public ChunkMap? Map { get; }

    public bool Resumed { get; }

    private string StateName => CacheNames.PartialState(Name);

    public static PartialDownload Open(CacheFile target, RemoteFile remote, string source, long chunkSize, bool ranged, bool directIo, bool earlyWriteback, TimeProvider time, Action<string> log)
    {
        var dir = target.Directory;
        var bootId = CurrentBootId();
        (string Name, PartialState State)? best = null;
        var resumable = ranged && remote.Size is not null && !remote.Identity.IsEmpty;
        foreach (var (candidate, kind) in dir.Entries().Where(e => CacheNames.IsPartialOf(e.Name, target.Name)))
        {
            var state = resumable && kind == FileKind.Regular ? ReadState(dir, CacheNames.PartialState(candidate)) : null;
            var matches = state is not null && state.Source == source && state.Size == remote.Size
                && remote.Identity.SameAs(new Validator(state.ETag, state.LastModified));
            if (matches && (best is null || Done(state!, bootId) > Done(best.Value.State, bootId)))
            {
                if (best is { } previous)
                {
                    Delete(dir, previous.Name);
                }

                best = (candidate, state!);
            }
            else
            {
                log($"removing stale partial download {candidate}");
                Delete(dir, candidate);
            }
        }

        var template = resumable
            ? new PartialState { Source = source, Size = remote.Size!.Value, ChunkSize = chunkSize, ETag = remote.Identity.ETag, LastModified = remote.Identity.LastModified, Done = "", BootId = bootId }
            : null;
        if (best is { } found)
        {
            try
            {
                var map = ChunkMap.FromBase64(found.State.Size, found.State.ChunkSize, Trusted(found.State, bootId), found.State.Durable);
                var completed = ChunkMap.FromBase64(found.State.Size, found.State.ChunkSize, found.State.Done).DoneBytes;
                if (map.DoneBytes < completed)
                {
                    log($"the node restarted since {found.Name} was written (its boot id changed): resuming from the {map.DoneBytes >> 20} MiB an fsync "
                        + $"made durable, not the {completed >> 20} MiB that were complete");
                }

                if (found.State.ChunkSize % AlignedBuffer.Alignment != 0)
                {
                    throw new FormatException("chunk size not aligned");
                }

                var resumedFile = TargetFile.Open(dir, found.Name, directIo, earlyWriteback, map);
                return new PartialDownload(dir, found.Name, resumedFile, map, template! with { ChunkSize = found.State.ChunkSize }, true, time);
            }
            catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
            {
                log($"cannot resume {found.Name} ({e.Message}); starting over");
                Delete(dir, found.Name);
            }
        }

        var name = CacheNames.PartialName(target.Name, CacheNames.NewId());
        TargetFile? file = null;
        try
        {
            CreatePreallocated(dir, name, ranged ? remote.Size ?? 0 : 0);
            var map = ranged ? new ChunkMap(remote.Size!.Value, chunkSize) : null;
            file = TargetFile.Open(dir, name, directIo, earlyWriteback, map);
            var fresh = new PartialDownload(dir, name, file, map, template, false, time);
            fresh.SaveState(force: true);
            return fresh;
        }
        catch
        {
            // The cleanup promise covers the metadata too: a full disk while writing the first resume state (or any
            // failure before the transfer starts) gives the preallocated space back at once.
            file?.Dispose();
            Delete(dir, name);
            throw;
        }
    }

    /// <summary>Records completed chunks, at most every 100 ms unless forced; kill -9 loses at most that much.</summary>
    public void SaveState(bool force = false)
    {
        if (_template is null || Map is null)
        {
            return;
        }

        lock (_saveGate)
        {
            if (!force && _time.GetElapsedTime(_lastSave) < SaveInterval)
            {
                return;
            }

            _lastSave = _time.GetTimestamp();
            var temp = CacheNames.PartialStateTemp(Name);
            try
            {
                // Whatever is at the temp name (a leftover, or a co-tenant's link) is unlinked, never followed.
                _directory.TryDelete(temp);
                using (var handle = _directory.OpenFile(temp, Libc.O_RDWR, (int)FileModes.File, exclusive: true))
                {
                    RandomAccess.Write(handle, JsonSerializer.SerializeToUtf8Bytes(_template with { Done = Map.ToBase64(), Durable = Map.DurableToBase64() }, CacheJson.Default.PartialState), 0);
                }

                _directory.Rename(temp, StateName, noReplace: false);
            }
            catch
            {
                _directory.TryDelete(temp);
                throw;
            }
        }
    }

    /// <summary>fsync, record the sidecar for the finished file, rename it onto the final name, fsync the directory.</summary>
    public void Publish(CacheFile final, long length, bool fsync, Func<long, long, Sidecar> sidecar)
    {
        File.Complete(length, fsync);
        File.Dispose();
        var stat = _directory.Stat(Name) is { Kind: FileKind.Regular } s ? s : throw new IOException($"{_directory.Child(Name)} was replaced during the download");
        // The sidecar goes first and names the file by size and mtime (kept by rename): a crash between the two renames
        // leaves a sidecar that describes no file, never a file with a wrong sidecar.
        var record = sidecar(stat.Size, stat.MtimeUnixNs);
        SidecarStore.Write(final, record, fsync);
        _directory.Rename(Name, final.Name, noReplace: false);
        // The rename changed the file's ctime: record the identity the published file has now as the verified one
        // (the digest was computed from the bytes written), so that hits need not hash it (SidecarStore.StillVerified).
        if (record.Sha256 is not null && final.Stat() is { Kind: FileKind.Regular } published && published.Inode == stat.Inode)
        {
            SidecarStore.Write(final, record with { Verified = published.Identity }, fsync);
        }

        if (fsync)
        {
            _directory.Fsync();
        }

        DeleteState();
    }

    /// <summary>Deletes the partial and its resume state (a changed source, a full disk, a bad digest).</summary>
    public void Discard()
    {
        File.Dispose();
        Delete(_directory, Name);
    }

    public void Dispose() => File.Dispose();

    /// <summary>Creates the temp file with its final size reserved (fallocate), so a full disk fails now, cleanly.</summary>
    private static void CreatePreallocated(DirectoryHandle dir, string name, long size)
    {
        using var handle = dir.OpenFile(name, Libc.O_RDWR, (int)FileModes.File, exclusive: true);
        if (size > 0)
        {
            Libc.Preallocate(handle, size, dir.Child(name));
        }
    }

    /// <summary>
    /// The chunks of <paramref name="state"/> a resume may trust: all completed ones in the boot that wrote them (the
    /// page cache and the device's cache outlive a killed process), only the durable ones after a restart of the node or
    /// when either boot id is unknown; all completed ones for a state of an earlier version, which has no durable set.
    /// </summary>
    private static string Trusted(PartialState state, string? bootId) =>
        state.Durable is null || (bootId is not null && state.BootId == bootId) ? state.Done : state.Durable;

    private static string? CurrentBootId()
    {
        try
        {
            return System.IO.File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim() is { Length: > 0 } id ? id : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static long Done(PartialState s, string? bootId)
    {
        try
        {
            return ChunkMap.FromBase64(s.Size, s.ChunkSize, Trusted(s, bootId)).DoneCount * s.ChunkSize;
        }
        catch (FormatException)
        {
            return -1;
        }
    }

    private static PartialState? ReadState(DirectoryHandle dir, string name)
    {
        try
        {
            return dir.ReadSmallFile(name, CacheNames.MaxSidecarBytes) is { } bytes ? JsonSerializer.Deserialize(bytes, CacheJson.Default.PartialState) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    private void DeleteState()
    {
        _directory.TryDelete(StateName);
        _directory.TryDelete(CacheNames.PartialStateTemp(Name));
    }

    private static void Delete(DirectoryHandle dir, string partialName)
    {
        dir.TryDelete(partialName);
        dir.TryDelete(CacheNames.PartialState(partialName));
        dir.TryDelete(CacheNames.PartialStateTemp(partialName));
    }
}
