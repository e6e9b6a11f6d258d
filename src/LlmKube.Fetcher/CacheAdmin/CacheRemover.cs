using LlmKube.Fetcher.Cache;
using LlmKube.Fetcher.Native;

namespace LlmKube.Fetcher.CacheAdmin;

internal sealed record RemovalResult(IReadOnlyList<(string Key, long Bytes)> Removed, IReadOnlyList<string> Absent, IReadOnlyList<(string Key, string Error)> Failed);

/// <summary>
/// Removes whole cache entries <c>ROOT/KEY/</c> and nothing else, as root, on a volume tenants write to. Each KEY has
/// been checked to be exactly 16 hex characters, so it names a direct child of ROOT. Every step is relative to a
/// directory held open (docs/SECURITY.md, "tenant-writable volumes"): the entry is opened without following links,
/// its lock taken from that descriptor, it is renamed to a dot-name (it disappears for readers at once), and its
/// content is deleted through the descriptor, never by path, at any depth. A co-tenant who swaps names while this runs
/// can make a removal fail, never make it delete anything but the entry it opened. An entry that is not a real
/// directory, or whose lock a fetcher holds (busy), is left alone. Leftovers of an interrupted removal
/// (<c>.llmkube-removing-*</c>) are deleted the same way.
/// </summary>
internal static class CacheRemover
{
    public const string TrashPrefix = ".llmkube-removing-";

    public static RemovalResult Remove(string root, IReadOnlyList<string> keys)
    {
        var removed = new List<(string, long)>();
        var absent = new List<string>();
        var failed = new List<(string, string)>();
        using var volume = DirectoryHandle.Open(root, followLastLink: true); // the mount point itself is trusted
        foreach (var key in keys)
        {
            if (!CacheAdminCommand.IsKey(key))
            {
                failed.Add((key, "not a cache key"));
                continue;
            }

            try
            {
                switch (volume.Stat(key))
                {
                    case null:
                        absent.Add(key);
                        break;
                    case { Kind: not FileKind.Directory } other:
                        failed.Add((key, $"not a cache entry directory (a {DirectoryHandle.Describe(other.Kind)}): left alone"));
                        break;
                    default:
                        removed.Add((key, RemoveEntry(volume, key)));
                        break;
                }
            }
            catch (EntryBusyException)
            {
                failed.Add((key, "busy: a fetcher holds the entry's lock (a download is in progress); try again when it has finished"));
            }
            catch (EntryChangedException e)
            {
                failed.Add((key, e.Message));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                failed.Add((key, Describe(e)));
            }
        }

        RemoveLeftovers(volume);
        return new RemovalResult(removed, absent, failed);
    }

    private static long RemoveEntry(DirectoryHandle volume, string key)
    {
        using var entry = volume.TryOpenDirectory(key)
            ?? throw new EntryChangedException("not a cache entry directory (it was replaced while being removed): left alone");
        using var held = HoldLock(entry);
        var trash = TrashPrefix + key + "-" + CacheNames.NewId();
        volume.Rename(key, trash, noReplace: true);
        if (!SameDirectory(volume, trash, entry))
        {
            // A co-tenant swapped the name between our open and our rename: put back what we moved, delete nothing.
            volume.Rename(trash, key, noReplace: true);
            throw new EntryChangedException("the entry was replaced while being removed (a co-tenant renamed it): nothing was deleted; try again");
        }

        var bytes = DeleteContent(entry);
        volume.Delete(trash, directory: true);
        return bytes;
    }

    /// <summary>Takes the entry's lock from its descriptor (flock LOCK_EX|LOCK_NB): a fetcher holding it means busy.</summary>
    private static Microsoft.Win32.SafeHandles.SafeFileHandle? HoldLock(DirectoryHandle entry)
    {
        Microsoft.Win32.SafeHandles.SafeFileHandle handle;
        try
        {
            handle = entry.OpenFile(CacheNames.LockFileName, 0);
        }
        catch (Exception e) when (e is NotRegularException || e is ErrnoIOException { Errno: Libc.ENOENT })
        {
            return null; // no lock file, or one no fetcher can hold (fetchers refuse a lock that is not a regular file)
        }

        if (Libc.Flock((int)handle.DangerousGetHandle(), Libc.LOCK_EX | Libc.LOCK_NB) != 0)
        {
            handle.Dispose();
            throw new EntryBusyException();
        }

        return handle;
    }

    private static bool SameDirectory(DirectoryHandle parent, string name, DirectoryHandle opened) =>
        parent.Stat(name) is { Kind: FileKind.Directory } now && opened.Stat() is var held && now.Device == held.Device && now.Inode == held.Inode;

    /// <summary>Deletes everything below <paramref name="directory"/> through descriptors; returns the bytes of regular files.</summary>
    private static long DeleteContent(DirectoryHandle directory)
    {
        var deleter = new Deleter();
        TreeWalker.Walk(directory, deleter);
        return deleter.Bytes;
    }

    private static void RemoveLeftovers(DirectoryHandle volume)
    {
        foreach (var (name, kind) in volume.Entries())
        {
            if (kind != FileKind.Directory || !name.StartsWith(TrashPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            try
            {
                using var leftover = volume.TryOpenDirectory(name);
                if (leftover is not null)
                {
                    DeleteContent(leftover);
                    if (SameDirectory(volume, name, leftover))
                    {
                        volume.Delete(name, directory: true);
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Reported by cache-ls as "other"; a later cache-rm tries again.
            }
        }
    }

    private static string Describe(Exception e) => e is UnauthorizedAccessException || e is ErrnoIOException { Errno: Libc.EACCES or Libc.EPERM }
        ? $"permission denied ({e.Message}): the Job's user cannot write this entry; it was written by another user or tool"
        : e.Message;

    private sealed class Deleter : ITreeVisitor
    {
        public long Bytes { get; private set; }

        public void File(DirectoryHandle parent, string relative, string name, FileStat stat)
        {
            if (parent.Delete(name) && stat.Kind == FileKind.Regular)
            {
                Bytes += stat.Size;
            }
        }

        public void DirectoryDone(DirectoryHandle parent, string relative, string name) => parent.Delete(name, directory: true);
    }

    private sealed class EntryBusyException : Exception;

    private sealed class EntryChangedException(string message) : Exception(message);
}
