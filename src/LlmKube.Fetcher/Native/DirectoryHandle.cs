using Microsoft.Win32.SafeHandles;

namespace LlmKube.Fetcher.Native;

/// <summary>A regular file, a directory or nothing at a name: what a special file or a symbolic link is refused as.</summary>
internal sealed class NotRegularException(string message, FileKind found) : IOException(message)
{
    public FileKind Found { get; } = found;
}

/// <summary>
/// An open directory: every name is looked up relative to it (openat, statx, unlinkat, renameat2, mkdirat) and a
/// final symbolic link is never followed, so a co-tenant who swaps a name for a link between two calls changes what
/// the name refers to, never which directory we act in. Files are opened with O_NOFOLLOW|O_NONBLOCK (a fifo cannot
/// block the open) and refused unless they are regular files.
/// </summary>
internal sealed class DirectoryHandle : IDisposable
{
    private readonly SafeFileHandle _fd;

    private DirectoryHandle(SafeFileHandle fd, string path)
    {
        _fd = fd;
        Path = path;
    }

    /// <summary>The path this directory was reached by, for messages only (it may have moved since).</summary>
    public string Path { get; }

    /// <summary>
    /// Opens <paramref name="path"/> as a directory. A trusted path (the volume's mount point) may be reached through
    /// symbolic links; otherwise a symbolic link at its last component is refused.
    /// </summary>
    public static DirectoryHandle Open(string path, bool followLastLink)
    {
        var flags = Libc.O_DIRECTORY | Libc.O_NONBLOCK | (followLastLink ? 0 : Libc.O_NOFOLLOW);
        return new DirectoryHandle(Handle(Libc.OpenAt(Libc.AtFdCwd, path, flags, 0, "open directory " + path)), path);
    }

    /// <summary>The child directory <paramref name="name"/>; never through a symbolic link.</summary>
    public DirectoryHandle OpenDirectory(string name) =>
        new(Handle(Libc.OpenAt(Fd, name, Libc.O_DIRECTORY | Libc.O_NOFOLLOW | Libc.O_NONBLOCK, 0, "open directory " + Child(name))), Child(name));

    /// <summary>The child directory, or null when <paramref name="name"/> is missing or is not a real directory.</summary>
    public DirectoryHandle? TryOpenDirectory(string name)
    {
        try
        {
            return OpenDirectory(name);
        }
        catch (ErrnoIOException e) when (e.Errno is Libc.ENOENT or Libc.ENOTDIR or Libc.ELOOP)
        {
            return null;
        }
    }

    /// <summary>statx of <paramref name="name"/> without following it; null when it does not exist.</summary>
    public FileStat? Stat(string name) => Libc.StatAt(Fd, name, "stat " + Child(name));

    /// <summary>statx of this directory itself.</summary>
    public FileStat Stat() => Libc.StatAt(Fd, "", "stat " + Path) ?? throw Libc.ErrnoException("stat " + Path, Libc.ENOENT);

    /// <summary>
    /// Opens the regular file <paramref name="name"/>: never through a symbolic link (ELOOP), never blocking on a fifo,
    /// and a fifo, socket or device is refused with <see cref="NotRegularException"/> after the open, from the descriptor.
    /// </summary>
    public SafeFileHandle OpenFile(string name, int access, int createMode = -1, bool exclusive = false)
    {
        var flags = access | Libc.O_NOFOLLOW | Libc.O_NONBLOCK;
        if (createMode >= 0)
        {
            flags |= Libc.O_CREAT | (exclusive ? Libc.O_EXCL : 0);
        }

        int fd;
        try
        {
            fd = Libc.OpenAt(Fd, name, flags, Math.Max(createMode, 0), "open " + Child(name));
        }
        catch (ErrnoIOException e) when (e.Errno is Libc.ELOOP or Libc.ENXIO or Libc.EISDIR)
        {
            var kind = e.Errno == Libc.ELOOP ? FileKind.SymbolicLink : e.Errno == Libc.EISDIR ? FileKind.Directory : FileKind.Special;
            throw new NotRegularException($"{Child(name)} is a {Describe(kind)}, not a regular file", kind);
        }

        var handle = Handle(fd);
        var stat = Libc.StatAt(fd, "", "stat " + Child(name));
        if (stat?.Kind != FileKind.Regular)
        {
            handle.Dispose();
            var kind = stat?.Kind ?? FileKind.Special;
            throw new NotRegularException($"{Child(name)} is a {Describe(kind)}, not a regular file", kind);
        }

        return handle;
    }

    /// <summary>
    /// The whole content of the regular file <paramref name="name"/> when it is at most <paramref name="limit"/> bytes;
    /// null when it is missing, not a regular file, or larger (a co-tenant's /dev/zero or fifo costs nothing).
    /// </summary>
    public byte[]? ReadSmallFile(string name, int limit)
    {
        SafeFileHandle handle;
        try
        {
            handle = OpenFile(name, 0);
        }
        catch (ErrnoIOException e) when (e.Errno is Libc.ENOENT or Libc.EACCES or Libc.EPERM)
        {
            return null;
        }
        catch (NotRegularException)
        {
            return null;
        }

        using (handle)
        {
            var buffer = new byte[limit + 1];
            var total = 0;
            while (total < buffer.Length)
            {
                var n = RandomAccess.Read(handle, buffer.AsSpan(total), total);
                if (n == 0)
                {
                    break;
                }

                total += n;
            }

            return total > limit ? null : buffer[..total];
        }
    }

    /// <summary>Creates the child directory (mode before umask) unless it exists; true when this call created it.</summary>
    public bool CreateDirectory(string name, UnixFileMode mode)
    {
        var errno = Libc.MkdirAt(Fd, name, (int)mode);
        return errno switch
        {
            0 => true,
            Libc.EEXIST => false,
            _ => throw Libc.ErrnoException("mkdir " + Child(name), errno),
        };
    }

    /// <summary>unlinkat; false when the name was already gone.</summary>
    public bool Delete(string name, bool directory = false)
    {
        var errno = Libc.UnlinkAt(Fd, name, directory);
        return errno switch
        {
            0 => true,
            Libc.ENOENT => false,
            _ => throw Libc.ErrnoException((directory ? "rmdir " : "unlink ") + Child(name), errno),
        };
    }

    /// <summary>unlinkat that never throws (cleanup paths).</summary>
    public void TryDelete(string name)
    {
        _ = Libc.UnlinkAt(Fd, name, false);
    }

    /// <summary>renameat2 within this directory, or into <paramref name="target"/>; with <paramref name="noReplace"/> an existing name is never replaced.</summary>
    public void Rename(string from, string to, bool noReplace, DirectoryHandle? target = null)
    {
        var errno = Libc.RenameAt(Fd, from, (target ?? this).Fd, to, noReplace);
        if (errno != 0)
        {
            throw Libc.ErrnoException($"rename {Child(from)} to {(target ?? this).Child(to)}", errno);
        }
    }

    /// <summary>Hard-links <paramref name="from"/> (never through a symbolic link) as <paramref name="to"/>; 0 or the errno.</summary>
    public int Link(string from, string to) => Libc.LinkAt(Fd, from, Fd, to);

    /// <summary>Every name in the directory with its kind from readdir (DT_UNKNOWN is resolved with statx).</summary>
    public IReadOnlyList<(string Name, FileKind Kind)> Entries()
    {
        var result = new List<(string, FileKind)>();
        foreach (var (name, type) in Libc.ReadDirectory(Fd, "read directory " + Path))
        {
            var kind = type switch
            {
                8 => FileKind.Regular,
                4 => FileKind.Directory,
                10 => FileKind.SymbolicLink,
                0 => Stat(name)?.Kind,
                _ => FileKind.Special,
            };
            if (kind is { } k)
            {
                result.Add((name, k));
            }
        }

        return result;
    }

    /// <summary>Makes renames and creations inside this directory durable (some filesystems refuse: that is fine).</summary>
    public void Fsync()
    {
        var errno = Libc.Fsync(Fd);
        if (errno is not (0 or Libc.EINVAL or 95))
        {
            throw Libc.ErrnoException("fsync directory " + Path, errno);
        }
    }

    /// <summary>fchown of this directory; 0 or the errno.</summary>
    public int Chown(uint uid, uint gid) => Libc.Fchown(Fd, uid, gid);

    /// <summary>fchmod of this directory (all 12 mode bits); 0 or the errno.</summary>
    public int Chmod(int mode) => Libc.Fchmod(Fd, (uint)mode);

    public string Child(string name) => Path.EndsWith('/') ? Path + name : Path + "/" + name;

    public void Dispose() => _fd.Dispose();

    internal static string Describe(FileKind kind) => kind switch
    {
        FileKind.SymbolicLink => "symbolic link",
        FileKind.Directory => "directory",
        FileKind.Special => "fifo, socket or device",
        _ => "regular file",
    };

    private int Fd => (int)_fd.DangerousGetHandle();

    private static SafeFileHandle Handle(int fd) => new(fd, ownsHandle: true);
}
