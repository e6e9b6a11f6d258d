using System.Text.Json;

namespace LlmKube.Fetcher.CacheAdmin;

/// <summary>What the fetcher's sidecar <c>.NAME.llmkube.json</c> records about a model file, when it describes that exact file.</summary>
internal sealed record FileRecord(string? Sha256, string? Sha256Check, string? Source, string? FetchedAt, string? Origin);

internal sealed record ScannedFile(string Name, long Bytes, FileRecord? Record);

/// <summary>A cache entry: total bytes (dot-files included), model files, bytes of partial downloads, whether a fetcher holds its lock.</summary>
internal sealed record ScannedEntry(string Key, long Bytes, long PartialBytes, bool Busy, IReadOnlyList<ScannedFile> Files, string? Error);

internal sealed record ScannedOther(string Name, bool Directory, long Bytes);

internal sealed record CacheScan(long Bytes, IReadOnlyList<ScannedEntry> Entries, IReadOnlyList<ScannedOther> Other);

/// <summary>
/// Reads a cache volume without changing it: every directory named by a cache key is an entry; anything else at the
/// root is reported as "other". Symbolic links are never followed (a link counts as its own size, 0 here).
/// </summary>
internal static class CacheScanner
{
    public const string LockFileName = ".llmkube.lock";
    public const string SidecarSuffix = ".llmkube.json";
    public const string PartialSuffix = ".llmkube-partial";

    public static CacheScan Scan(string root)
    {
        var entries = new List<ScannedEntry>();
        var other = new List<ScannedOther>();
        foreach (var item in new DirectoryInfo(root).EnumerateFileSystemInfos().OrderBy(i => i.Name, StringComparer.Ordinal))
        {
            var isDirectory = item is DirectoryInfo && item.LinkTarget is null;
            if (isDirectory && CacheAdminCommand.IsKey(item.Name))
            {
                entries.Add(ScanEntry((DirectoryInfo)item));
            }
            else
            {
                other.Add(new ScannedOther(item.Name, isDirectory, isDirectory ? SizeOf((DirectoryInfo)item) : FileSize(item)));
            }
        }

        return new CacheScan(entries.Sum(e => e.Bytes) + other.Sum(o => o.Bytes), entries, other);
    }

    private static ScannedEntry ScanEntry(DirectoryInfo entry)
    {
        long bytes = 0;
        long partial = 0;
        var files = new List<ScannedFile>();
        try
        {
            foreach (var (file, relative) in Walk(entry, ""))
            {
                var length = FileSize(file);
                bytes += length;
                if (file.Name.Contains(PartialSuffix, StringComparison.Ordinal) && !file.Name.EndsWith(".json", StringComparison.Ordinal))
                {
                    partial += length;
                }

                if (!relative.Split('/').Any(segment => segment.StartsWith('.')) && file.LinkTarget is null)
                {
                    files.Add(new ScannedFile(relative, length, ReadRecord((FileInfo)file)));
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new ScannedEntry(entry.Name, bytes, partial, false, files, e.Message);
        }

        return new ScannedEntry(entry.Name, bytes, partial, IsBusy(entry.FullName), files, null);
    }

    /// <summary>Every non-directory below <paramref name="directory"/>, with its path relative to the entry; links are not followed.</summary>
    private static IEnumerable<(FileSystemInfo File, string Relative)> Walk(DirectoryInfo directory, string prefix)
    {
        foreach (var item in directory.EnumerateFileSystemInfos().OrderBy(i => i.Name, StringComparer.Ordinal))
        {
            var relative = prefix.Length == 0 ? item.Name : $"{prefix}/{item.Name}";
            if (item is DirectoryInfo nested && item.LinkTarget is null)
            {
                foreach (var found in Walk(nested, relative))
                {
                    yield return found;
                }
            }
            else
            {
                yield return (item, relative);
            }
        }
    }

    private static long SizeOf(DirectoryInfo directory)
    {
        try
        {
            return Walk(directory, "").Sum(f => FileSize(f.File));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    private static long FileSize(FileSystemInfo item) => item is FileInfo { LinkTarget: null } file ? file.Length : 0;

    /// <summary>The sidecar's facts, only when its size and mtime match the file (otherwise it describes another file).</summary>
    private static FileRecord? ReadRecord(FileInfo file)
    {
        var sidecar = Path.Combine(file.DirectoryName ?? ".", "." + file.Name + SidecarSuffix);
        try
        {
            if (!File.Exists(sidecar))
            {
                return null;
            }

            using var document = JsonDocument.Parse(File.ReadAllBytes(sidecar));
            var json = document.RootElement;
            var size = json.TryGetProperty("size", out var s) && s.TryGetInt64(out var sizeValue) ? sizeValue : -1;
            var mtime = json.TryGetProperty("mtimeUnixNs", out var m) && m.TryGetInt64(out var mtimeValue) ? mtimeValue : -1;
            var ticks = (file.LastWriteTimeUtc - DateTime.UnixEpoch).Ticks;
            if (size != file.Length || mtime / 100 != ticks)
            {
                return null;
            }

            return new FileRecord(Text(json, "sha256"), Text(json, "sha256Check"), Text(json, "source"), Text(json, "fetchedAt"), Text(json, "origin"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>
    /// A fetcher filling the entry holds flock(LOCK_EX) on its lock file. A shared, non-blocking lock attempt (what .NET
    /// does for a read-only open that shares writing) fails while it does; it works on a read-only mount.
    /// </summary>
    private static bool IsBusy(string entry)
    {
        var path = Path.Combine(entry, LockFileName);
        if (!File.Exists(path))
        {
            return false;
        }

        try
        {
            using var probe = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }
}
