using System.Text.Json;
using LlmKube.Fetcher.Cache;
using LlmKube.Fetcher.Native;

namespace LlmKube.Fetcher.CacheAdmin;

/// <summary>What the fetcher's sidecar <c>.NAME.llmkube.json</c> records about a model file, when it describes that exact file.</summary>
internal sealed record FileRecord(string? Sha256, string? Sha256Check, string? Source, string? FetchedAt, string? Origin);

internal sealed record ScannedFile(string Name, long Bytes, FileRecord? Record);

/// <summary>A cache entry: total bytes (dot-files included), model files, bytes of partial downloads, whether a fetcher holds its lock.</summary>
internal sealed record ScannedEntry(string Key, long Bytes, long PartialBytes, bool Busy, IReadOnlyList<ScannedFile> Files, string? Error);

internal sealed record ScannedOther(string Name, bool Directory, long Bytes);

internal sealed record CacheScan(long Bytes, IReadOnlyList<ScannedEntry> Entries, IReadOnlyList<ScannedOther> Other);

/// <summary>
/// Reads a cache volume without changing it, as root, on a volume tenants write to: every directory named by a cache
/// key is an entry; anything else at the root is reported as "other". Everything is read through descriptors of
/// directories opened without following links (a link counts as its own size, 0 here; a tree of any depth is
/// measured); sidecars are read only when they are regular files, at most <see cref="CacheNames.MaxSidecarBytes"/>.
/// </summary>
internal static class CacheScanner
{
    public static CacheScan Scan(string root)
    {
        var entries = new List<ScannedEntry>();
        var other = new List<ScannedOther>();
        using var volume = DirectoryHandle.Open(root, followLastLink: true); // the mount point itself is trusted
        foreach (var (name, kind) in volume.Entries().OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            var isDirectory = kind == FileKind.Directory;
            if (isDirectory && CacheAdminCommand.IsKey(name))
            {
                entries.Add(ScanEntry(volume, name));
            }
            else
            {
                other.Add(new ScannedOther(name, isDirectory, isDirectory ? SizeOf(volume, name) : RegularSize(volume.Stat(name))));
            }
        }

        return new CacheScan(entries.Sum(e => e.Bytes) + other.Sum(o => o.Bytes), entries, other);
    }

    private static ScannedEntry ScanEntry(DirectoryHandle volume, string key)
    {
        var collector = new Collector();
        try
        {
            using var entry = volume.TryOpenDirectory(key);
            if (entry is null)
            {
                return new ScannedEntry(key, 0, 0, false, [], "replaced while being read (no longer a directory)");
            }

            TreeWalker.Walk(entry, collector);
            return new ScannedEntry(key, collector.Bytes, collector.PartialBytes, IsBusy(entry), collector.Files, null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new ScannedEntry(key, collector.Bytes, collector.PartialBytes, false, collector.Files, e.Message);
        }
    }

    private static long SizeOf(DirectoryHandle volume, string name)
    {
        try
        {
            using var directory = volume.TryOpenDirectory(name);
            if (directory is null)
            {
                return 0;
            }

            var collector = new Collector();
            TreeWalker.Walk(directory, collector);
            return collector.Bytes;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    private static long RegularSize(FileStat? stat) => stat is { Kind: FileKind.Regular } regular ? regular.Size : 0;

    /// <summary>The sidecar's facts, only when its size and mtime match the file (otherwise it describes another file).</summary>
    private static FileRecord? ReadRecord(DirectoryHandle directory, string name, FileStat file)
    {
        try
        {
            if (directory.ReadSmallFile(CacheNames.SidecarName(name), CacheNames.MaxSidecarBytes) is not { } bytes)
            {
                return null;
            }

            using var document = JsonDocument.Parse(bytes);
            var json = document.RootElement;
            var size = json.TryGetProperty("size", out var s) && s.TryGetInt64(out var sizeValue) ? sizeValue : -1;
            var mtime = json.TryGetProperty("mtimeUnixNs", out var m) && m.TryGetInt64(out var mtimeValue) ? mtimeValue : -1;
            if (size != file.Size || mtime != file.MtimeUnixNs)
            {
                return null;
            }

            // Redacted again: the sidecar may come from an older fetcher, or from a co-tenant.
            var source = Text(json, "source") is { } recorded ? Redaction.Text(recorded) : null;
            return new FileRecord(Text(json, "sha256"), Text(json, "sha256Check"), source, Text(json, "fetchedAt"), Text(json, "origin"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonElement json, string name) =>
        json.ValueKind == JsonValueKind.Object && json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>
    /// A fetcher filling the entry holds flock(LOCK_EX) on its lock file; a shared, non-blocking flock from a read-only
    /// descriptor fails while it does (and works on a read-only mount). A lock that is not a regular file is no lock.
    /// </summary>
    private static bool IsBusy(DirectoryHandle entry)
    {
        try
        {
            using var handle = entry.OpenFile(CacheNames.LockFileName, 0);
            return Libc.Flock((int)handle.DangerousGetHandle(), Libc.LOCK_SH | Libc.LOCK_NB) == Libc.EAGAIN;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Sums a walk: all regular bytes, partial downloads, and the visible model files with their records.</summary>
    private sealed class Collector : ITreeVisitor
    {
        public long Bytes { get; private set; }

        public long PartialBytes { get; private set; }

        public List<ScannedFile> Files { get; } = [];

        public void File(DirectoryHandle parent, string relative, string name, FileStat stat)
        {
            var length = RegularSize(stat);
            Bytes += length;
            if (name.Contains(CacheNames.PartialSuffix, StringComparison.Ordinal) && !name.EndsWith(".json", StringComparison.Ordinal))
            {
                PartialBytes += length;
            }

            if (stat.Kind == FileKind.Regular && !relative.Split('/').Any(segment => segment.StartsWith('.')))
            {
                Files.Add(new ScannedFile(relative, length, ReadRecord(parent, name, stat)));
            }
        }

        public void DirectoryDone(DirectoryHandle parent, string relative, string name)
        {
        }
    }
}
