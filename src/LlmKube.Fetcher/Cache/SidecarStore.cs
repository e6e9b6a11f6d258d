using System.Text.Json;
using LlmKube.Fetcher.Native;

namespace LlmKube.Fetcher.Cache;

/// <summary>
/// Reads and writes sidecars; a sidecar counts only for the exact file it describes (size and mtime), only when it is
/// a regular file of at most <see cref="CacheNames.MaxSidecarBytes"/> (a co-tenant's link to /dev/zero or fifo is
/// ignored without being read), and only for a model file that is itself a regular file, never a link.
/// </summary>
internal static class SidecarStore
{
    public static Sidecar? Read(CacheFile file)
    {
        try
        {
            return file.Directory.ReadSmallFile(CacheNames.SidecarName(file.Name), CacheNames.MaxSidecarBytes) is { } bytes
                ? JsonSerializer.Deserialize(bytes, CacheJson.Default.Sidecar)
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    /// <summary>The sidecar of <paramref name="file"/> when the file is a regular file and the one the sidecar describes.</summary>
    public static (Sidecar Sidecar, FileStat Stat)? ReadValid(CacheFile file) =>
        file.Stat() is { Kind: FileKind.Regular } stat && Read(file) is { } sidecar && Describes(sidecar, stat) ? (sidecar, stat) : null;

    public static bool Describes(Sidecar sidecar, FileStat file) =>
        sidecar.Size == file.Size && sidecar.MtimeUnixNs == file.MtimeUnixNs;

    /// <summary>
    /// The file holds the bytes that were hashed to the sidecar's sha256: same inode and same ctime as right after
    /// that hash. A write, truncate, chmod or rename since changes the ctime, which no unprivileged process can set back.
    /// </summary>
    public static bool StillVerified(Sidecar sidecar, FileStat file) => sidecar.Verified == file.Identity;

    /// <summary>
    /// The sidecar alone vouches for the file's bytes: nothing is expected, or it records the expected sha256 and the
    /// file is still the one hashed to it (<see cref="StillVerified"/>). Otherwise the file must be hashed.
    /// </summary>
    public static bool Vouches(Sidecar sidecar, FileStat file, string? expectedSha256) =>
        expectedSha256 is null || (string.Equals(sidecar.Sha256, expectedSha256, StringComparison.Ordinal) && StillVerified(sidecar, file));

    /// <summary>Writes the sidecar through a temp file and a rename; the caller fsyncs the directory.</summary>
    public static void Write(CacheFile file, Sidecar sidecar, bool fsync = true)
    {
        var directory = file.Directory;
        var temp = CacheNames.SidecarTemp(file.Name, CacheNames.NewId());
        try
        {
            using (var handle = directory.OpenFile(temp, Libc.O_RDWR, (int)FileModes.File, exclusive: true))
            {
                RandomAccess.Write(handle, JsonSerializer.SerializeToUtf8Bytes(sidecar, CacheJson.Default.Sidecar), 0);
                if (fsync)
                {
                    Libc.Fsync(handle, directory.Child(temp));
                }
            }

            directory.Rename(temp, CacheNames.SidecarName(file.Name), noReplace: false);
        }
        catch
        {
            directory.TryDelete(temp);
            throw;
        }
    }

    public static void WriteDurably(CacheFile file, Sidecar sidecar)
    {
        Write(file, sidecar);
        file.Directory.Fsync();
    }
}

/// <summary>Modes for what the fetcher creates: group-writable, so fetchers of other uids in the same fsGroup can take over.</summary>
internal static class FileModes
{
    public const UnixFileMode File = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead
        | UnixFileMode.GroupWrite | UnixFileMode.OtherRead;

    public const UnixFileMode Directory = File | UnixFileMode.UserExecute | UnixFileMode.GroupExecute
        | UnixFileMode.OtherExecute | UnixFileMode.SetGroup;

    /// <summary>Creates the trusted directories above an entry (mode <see cref="Directory"/>, setgid keeps the fsGroup).</summary>
    public static void CreateTrustedDirectories(string path)
    {
        if (System.IO.Directory.Exists(path))
        {
            return;
        }

        var parent = Path.GetDirectoryName(path);
        if (parent is not null)
        {
            CreateTrustedDirectories(parent);
        }

        try
        {
            System.IO.Directory.CreateDirectory(path, Directory);
            // CreateDirectory honours the umask; other uids of the fsGroup need to write here too.
            System.IO.File.SetUnixFileMode(path, Directory);
        }
        catch (Exception e) when ((e is IOException or UnauthorizedAccessException) && System.IO.Directory.Exists(path))
        {
            // Created concurrently by another fetcher (of another uid, which set the mode).
        }
    }

    /// <summary>
    /// The child directory <paramref name="name"/>, created with <see cref="Directory"/> when missing. Anything else at
    /// that name (a link, a file, a fifo: never something a fetcher creates) is removed first; the removal unlinks the
    /// name and never follows it.
    /// </summary>
    public static DirectoryHandle OpenOrCreateDirectory(DirectoryHandle parent, string name, Action<string> log)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var created = parent.CreateDirectory(name, Directory);
            if (parent.TryOpenDirectory(name) is { } child)
            {
                if (created)
                {
                    // mkdirat honours the umask; other uids of the fsGroup need to write here too. The new entry must
                    // survive a crash together with the files renamed into it.
                    _ = child.Chmod((int)Directory);
                    parent.Fsync();
                }

                return child;
            }

            if (parent.Stat(name) is { Kind: not FileKind.Directory } planted)
            {
                log($"replacing the {DirectoryHandle.Describe(planted.Kind)} at {parent.Child(name)} with a directory (a fetcher never creates one there)");
                parent.Delete(name);
            }
        }

        throw new IOException($"{parent.Child(name)} keeps being replaced by something that is not a directory");
    }
}
