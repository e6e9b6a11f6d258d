using System.Text.Json;
using LlmKube.Fetcher.Native;
using LlmKube.Fetcher.Sources;
using LlmKube.Fetcher.Transfer;
using Microsoft.Win32.SafeHandles;

namespace LlmKube.Fetcher.Cache;

/// <summary>
/// The temp file of one download (`.NAME.ID.llmkube-partial`) and, for ranged downloads, its resume state. Opened only
/// under the entry lock: an existing partial whose state matches the source, size and validator is resumed; any other
/// partial of the same file is stale and deleted.
/// </summary>
internal sealed class PartialDownload : IDisposable
{
    private static readonly TimeSpan SaveInterval = TimeSpan.FromMilliseconds(100);
    private readonly Lock _saveGate = new();
    private readonly PartialState? _template;
    private readonly TimeProvider _time;
    private long _lastSave;

    private PartialDownload(string path, TargetFile file, ChunkMap? map, PartialState? template, bool resumed, TimeProvider time)
    {
        FilePath = path;
        File = file;
        Map = map;
        _template = template;
        Resumed = resumed;
        _time = time;
        _lastSave = time.GetTimestamp();
    }

    public string FilePath { get; }

    public TargetFile File { get; }

    /// <summary>Chunk map of a ranged download; null for a single stream (not resumable).</summary>
    public ChunkMap? Map { get; }

    public bool Resumed { get; }

    private string StatePath => CacheNames.PartialState(FilePath);

    public static PartialDownload Open(string finalPath, RemoteFile remote, string source, long chunkSize, bool ranged, bool directIo, bool earlyWriteback, TimeProvider time, Action<string> log)
    {
        var dir = Path.GetDirectoryName(finalPath)!;
        (string Path, PartialState State)? best = null;
        var resumable = ranged && remote.Size is not null && !remote.Identity.IsEmpty;
        foreach (var candidate in Directory.EnumerateFiles(dir, CacheNames.PartialPattern(finalPath)))
        {
            var state = resumable ? ReadState(CacheNames.PartialState(candidate)) : null;
            var matches = state is not null && state.Source == source && state.Size == remote.Size
                && remote.Identity.SameAs(new Validator(state.ETag, state.LastModified));
            if (matches && (best is null || Done(state!) > Done(best.Value.State)))
            {
                if (best is { } previous)
                {
                    Delete(previous.Path);
                }

                best = (candidate, state!);
            }
            else
            {
                log($"removing stale partial download {Path.GetFileName(candidate)}");
                Delete(candidate);
            }
        }

        var template = resumable
            ? new PartialState { Source = source, Size = remote.Size!.Value, ChunkSize = chunkSize, ETag = remote.Identity.ETag, LastModified = remote.Identity.LastModified, Done = "" }
            : null;
        if (best is { } found)
        {
            try
            {
                var map = ChunkMap.FromBase64(found.State.Size, found.State.ChunkSize, found.State.Done);
                if (found.State.ChunkSize % AlignedBuffer.Alignment != 0)
                {
                    throw new FormatException("chunk size not aligned");
                }

                var target = TargetFile.Open(found.Path, directIo, earlyWriteback);
                return new PartialDownload(found.Path, target, map, template! with { ChunkSize = found.State.ChunkSize }, true, time);
            }
            catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
            {
                log($"cannot resume {Path.GetFileName(found.Path)} ({e.Message}); starting over");
                Delete(found.Path);
            }
        }

        var path = CacheNames.Partial(finalPath, CacheNames.NewId());
        CreatePreallocated(path, ranged ? remote.Size ?? 0 : 0).Dispose();
        var fresh = new PartialDownload(path, TargetFile.Open(path, directIo, earlyWriteback), ranged ? new ChunkMap(remote.Size!.Value, chunkSize) : null, template, false, time);
        fresh.SaveState(force: true);
        return fresh;
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
            var temp = StatePath + ".tmp";
            System.IO.File.WriteAllBytes(temp, JsonSerializer.SerializeToUtf8Bytes(_template with { Done = Map.ToBase64() }, CacheJson.Default.PartialState));
            System.IO.File.Move(temp, StatePath, overwrite: true);
        }
    }

    /// <summary>fsync, record the sidecar for the finished file, rename it onto the final name, fsync the directory.</summary>
    public void Publish(string finalPath, long length, bool fsync, Func<long, long, Sidecar> sidecar)
    {
        File.Complete(length, fsync);
        File.Dispose();
        var info = new FileInfo(FilePath);
        // The sidecar goes first and names the file by size and mtime (kept by rename): a crash between the two renames
        // leaves a sidecar that describes no file, never a file with a wrong sidecar.
        SidecarStore.Write(finalPath, sidecar(info.Length, SidecarStore.MtimeUnixNs(info)), fsync);
        System.IO.File.Move(FilePath, finalPath, overwrite: true);
        if (fsync)
        {
            Libc.FsyncDirectory(Path.GetDirectoryName(finalPath)!);
        }
        Delete(StatePath);
    }

    public void Discard()
    {
        File.Dispose();
        Delete(FilePath);
    }

    public void Dispose() => File.Dispose();

    /// <summary>Creates the temp file with its final size reserved (fallocate), so a full disk fails now, cleanly.</summary>
    private static SafeFileHandle CreatePreallocated(string path, long size)
    {
        try
        {
            return System.IO.File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, FileOptions.None, preallocationSize: size);
        }
        catch (IOException e) when (size > 0 && e is not ErrnoIOException && FreeBytes(path) is { } free && free < size)
        {
            // .NET reports a failed preallocation as a plain IOException; the volume's free space tells why.
            throw new ErrnoIOException($"{Path.GetFileName(path)}: {size} bytes needed, {free} free on the cache volume", Libc.ENOSPC);
        }
    }

    private static long? FreeBytes(string path)
    {
        try
        {
            return new DriveInfo(Path.GetDirectoryName(path)!).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static long Done(PartialState s)
    {
        try
        {
            return ChunkMap.FromBase64(s.Size, s.ChunkSize, s.Done).DoneCount * s.ChunkSize;
        }
        catch (FormatException)
        {
            return -1;
        }
    }

    private static PartialState? ReadState(string path)
    {
        try
        {
            return JsonSerializer.Deserialize(System.IO.File.ReadAllBytes(path), CacheJson.Default.PartialState);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    private static void Delete(string partialPath)
    {
        SidecarStore.TryDelete(partialPath);
        SidecarStore.TryDelete(CacheNames.PartialState(partialPath));
        SidecarStore.TryDelete(CacheNames.PartialState(partialPath) + ".tmp");
    }
}
