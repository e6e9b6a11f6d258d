using System.Security.Cryptography;

namespace LlmKube.Fetcher.CacheAdmin;

internal sealed record RemovalResult(IReadOnlyList<(string Key, long Bytes)> Removed, IReadOnlyList<string> Absent, IReadOnlyList<(string Key, string Error)> Failed);

/// <summary>
/// Removes whole cache entries <c>ROOT/KEY/</c> and nothing else. Each KEY has been checked to be exactly 16 hex
/// characters, so the path is a direct child of ROOT. An entry that is not a real directory (a symlink, a file) is left
/// alone; one whose lock a fetcher holds is left alone (busy). Otherwise, holding that lock, the directory is renamed
/// to a dot-name (it disappears for readers at once) and deleted without following symbolic links. Leftovers of an
/// interrupted removal (<c>.llmkube-removing-*</c>) are deleted too.
/// </summary>
internal static class CacheRemover
{
    public const string TrashPrefix = ".llmkube-removing-";

    public static RemovalResult Remove(string root, IReadOnlyList<string> keys)
    {
        var removed = new List<(string, long)>();
        var absent = new List<string>();
        var failed = new List<(string, string)>();
        foreach (var key in keys)
        {
            if (!CacheAdminCommand.IsKey(key))
            {
                failed.Add((key, "not a cache key"));
                continue;
            }

            var path = Path.Combine(root, key);
            var info = new DirectoryInfo(path);
            if (!info.Exists && !File.Exists(path) && new FileInfo(path).LinkTarget is null)
            {
                absent.Add(key);
                continue;
            }

            if (!info.Exists || info.LinkTarget is not null)
            {
                failed.Add((key, "not a cache entry directory (a file or a symbolic link): left alone"));
                continue;
            }

            try
            {
                var bytes = RemoveEntry(root, info);
                removed.Add((key, bytes));
            }
            catch (EntryBusyException)
            {
                failed.Add((key, "busy: a fetcher holds the entry's lock (a download is in progress); try again when it has finished"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                failed.Add((key, Describe(e)));
            }
        }

        RemoveLeftovers(root);
        return new RemovalResult(removed, absent, failed);
    }

    private static long RemoveEntry(string root, DirectoryInfo entry)
    {
        var lockPath = Path.Combine(entry.FullName, CacheScanner.LockFileName);
        FileStream? held = null;
        try
        {
            if (File.Exists(lockPath))
            {
                try
                {
                    // FileShare.None is flock(LOCK_EX | LOCK_NB) on Linux: the fetcher's entry lock.
                    held = new FileStream(lockPath, FileMode.Open, FileAccess.Read, FileShare.None);
                }
                catch (IOException)
                {
                    throw new EntryBusyException();
                }
            }

            var trash = Path.Combine(root, TrashPrefix + entry.Name + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)));
            Directory.Move(entry.FullName, trash);
            return DeleteTree(new DirectoryInfo(trash));
        }
        finally
        {
            held?.Dispose();
        }
    }

    /// <summary>Deletes a directory tree, unlinking symbolic links instead of following them; returns the bytes of regular files.</summary>
    private static long DeleteTree(DirectoryInfo directory)
    {
        long bytes = 0;
        foreach (var item in directory.EnumerateFileSystemInfos())
        {
            if (item is DirectoryInfo nested && item.LinkTarget is null)
            {
                bytes += DeleteTree(nested);
            }
            else
            {
                bytes += item is FileInfo { LinkTarget: null } file ? file.Length : 0;
                item.Delete();
            }
        }

        directory.Delete();
        return bytes;
    }

    private static void RemoveLeftovers(string root)
    {
        foreach (var leftover in new DirectoryInfo(root).EnumerateDirectories(TrashPrefix + "*"))
        {
            try
            {
                if (leftover.LinkTarget is null)
                {
                    DeleteTree(leftover);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Reported by cache-ls as "other"; a later cache-rm tries again.
            }
        }
    }

    private static string Describe(Exception e) => e is UnauthorizedAccessException
        ? $"permission denied ({e.Message}): the Job's user cannot write this entry; it was written by another user or tool"
        : e.Message;

    private sealed class EntryBusyException : Exception
    {
    }
}
