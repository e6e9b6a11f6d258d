using LlmKube.Fetcher.Native;

namespace LlmKube.Fetcher.Cache;

/// <summary>
/// A cache entry directory (<c>/models/&lt;cacheKey&gt;</c>) held open. The path above it (the volume's mount point,
/// chosen by the operator) is trusted and may be reached through links. The entry and everything below it are
/// tenant-writable (docs/SECURITY.md): they are opened without following links, every file in them is reached from a
/// directory descriptor, and a link, file or fifo planted at the name of a directory we need is replaced by a real one.
/// </summary>
internal sealed class CacheEntry : IDisposable
{
    private CacheEntry(DirectoryHandle directory, string path)
    {
        Directory = directory;
        Path = path;
    }

    public DirectoryHandle Directory { get; }

    public string Path { get; }

    /// <summary>The entry when it exists as a real directory, else null; nothing is created (the lock-free hit check).</summary>
    public static CacheEntry? TryOpen(string path)
    {
        var (parent, name) = Split(path);
        try
        {
            if (name.Length == 0)
            {
                return new CacheEntry(DirectoryHandle.Open(path, followLastLink: true), path);
            }

            using var volume = DirectoryHandle.Open(parent, followLastLink: true);
            return volume.TryOpenDirectory(name) is { } directory ? new CacheEntry(directory, path) : null;
        }
        catch (ErrnoIOException e) when (e.Errno is Libc.ENOENT or Libc.ENOTDIR or Libc.EACCES)
        {
            return null;
        }
    }

    /// <summary>The entry, created (mode 2775) with the trusted directories above it when missing.</summary>
    public static CacheEntry OpenOrCreate(string path, Action<string> log)
    {
        var (parent, name) = Split(path);
        if (name.Length == 0)
        {
            return new CacheEntry(DirectoryHandle.Open(path, followLastLink: true), path);
        }

        FileModes.CreateTrustedDirectories(parent);
        using var volume = DirectoryHandle.Open(parent, followLastLink: true);
        return new CacheEntry(FileModes.OpenOrCreateDirectory(volume, name, log), path);
    }

    /// <summary>
    /// The model file at <paramref name="relative"/> (a validated repo-relative path) in this entry. Nested directories
    /// are opened without following links and, with <paramref name="log"/>, created; without it a missing or replaced
    /// directory gives null.
    /// </summary>
    public CacheFile? File(string relative, Action<string>? log)
    {
        var segments = relative.Split('/');
        var directory = Directory;
        for (var i = 0; i < segments.Length - 1; i++)
        {
            var next = log is null ? directory.TryOpenDirectory(segments[i]) : FileModes.OpenOrCreateDirectory(directory, segments[i], log);
            if (directory != Directory)
            {
                directory.Dispose();
            }

            if (next is null)
            {
                return null;
            }

            directory = next;
        }

        return new CacheFile(directory, segments[^1], System.IO.Path.Combine(Path, relative), ownsDirectory: directory != Directory);
    }

    public void Dispose() => Directory.Dispose();

    private static (string Parent, string Name) Split(string path)
    {
        var full = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(path));
        return (System.IO.Path.GetDirectoryName(full) ?? "/", System.IO.Path.GetFileName(full));
    }
}

/// <summary>One model file: the directory it lives in (held open) and its name there; <see cref="Path"/> is for messages.</summary>
internal sealed class CacheFile(DirectoryHandle directory, string name, string path, bool ownsDirectory) : IDisposable
{
    public DirectoryHandle Directory { get; } = directory;

    public string Name { get; } = name;

    public string Path { get; } = path;

    /// <summary>What is at the name now, without following a link; null when nothing is.</summary>
    public FileStat? Stat() => Directory.Stat(Name);

    public void Dispose()
    {
        if (ownsDirectory)
        {
            Directory.Dispose();
        }
    }
}
