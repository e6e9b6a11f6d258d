using System.Text.Json;
using LlmKube.Fetcher.Native;

namespace LlmKube.Fetcher.Cache;

/// <summary>Reads and writes sidecars; a sidecar counts only for the exact file it describes (size and mtime).</summary>
internal static class SidecarStore
{
    public static Sidecar? Read(string finalPath)
    {
        try
        {
            var bytes = File.ReadAllBytes(CacheNames.Sidecar(finalPath));
            return JsonSerializer.Deserialize(bytes, CacheJson.Default.Sidecar);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    /// <summary>The sidecar of <paramref name="finalPath"/> when the file exists and is the one the sidecar describes.</summary>
    public static Sidecar? ReadValid(string finalPath)
    {
        var info = new FileInfo(finalPath);
        if (!info.Exists)
        {
            return null;
        }

        var sidecar = Read(finalPath);
        return sidecar is not null && Describes(sidecar, info) ? sidecar : null;
    }

    public static bool Describes(Sidecar sidecar, FileInfo file) =>
        sidecar.Size == file.Length && sidecar.MtimeUnixNs == MtimeUnixNs(file);

    public static long MtimeUnixNs(FileInfo file) =>
        (file.LastWriteTimeUtc.Ticks - DateTime.UnixEpoch.Ticks) * 100;

    /// <summary>Writes the sidecar through a temp file and a rename; the caller fsyncs the directory.</summary>
    public static void Write(string finalPath, Sidecar sidecar, bool fsync = true)
    {
        var temp = CacheNames.SidecarTemp(finalPath, CacheNames.NewId());
        try
        {
            using (var fs = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = FileModes.File,
            }))
            {
                JsonSerializer.Serialize(fs, sidecar, CacheJson.Default.Sidecar);
                fs.Flush(flushToDisk: fsync);
            }

            File.Move(temp, CacheNames.Sidecar(finalPath), overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    public static void WriteDurably(string finalPath, Sidecar sidecar)
    {
        Write(finalPath, sidecar);
        Libc.FsyncDirectory(Path.GetDirectoryName(finalPath)!);
    }

    internal static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>Modes for what the fetcher creates: group-writable, so fetchers of other uids in the same fsGroup can take over.</summary>
internal static class FileModes
{
    public const UnixFileMode File = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead
        | UnixFileMode.GroupWrite | UnixFileMode.OtherRead;

    public const UnixFileMode Directory = File | UnixFileMode.UserExecute | UnixFileMode.GroupExecute
        | UnixFileMode.OtherExecute | UnixFileMode.SetGroup;

    /// <summary>Creates <paramref name="path"/> and missing parents with <see cref="Directory"/> (setgid keeps the fsGroup).</summary>
    public static void CreateDirectory(string path)
    {
        if (System.IO.Directory.Exists(path))
        {
            return;
        }

        var parent = Path.GetDirectoryName(path);
        if (parent is not null)
        {
            CreateDirectory(parent);
        }

        try
        {
            System.IO.Directory.CreateDirectory(path, Directory);
            // CreateDirectory honours the umask; other uids of the fsGroup need to write here too.
            System.IO.File.SetUnixFileMode(path, Directory);
            if (parent is not null)
            {
                // The new entry must survive a crash together with the files renamed into it.
                Libc.FsyncDirectory(parent);
            }
        }
        catch (IOException) when (System.IO.Directory.Exists(path))
        {
            // Created concurrently by another fetcher.
        }
        catch (UnauthorizedAccessException) when (System.IO.Directory.Exists(path))
        {
            // Created concurrently by a fetcher of another uid, which set the mode.
        }
    }
}
