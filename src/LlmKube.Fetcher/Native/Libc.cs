using System.Runtime.InteropServices;

namespace LlmKube.Fetcher.Native;

/// <summary>Direct system calls the BCL does not expose (chown, fsync of a directory, hard links, realpath).</summary>
internal static partial class Libc
{
    internal const int EPERM = 1;
    internal const int ENOENT = 2;
    internal const int EIO = 5;
    internal const int EACCES = 13;
    internal const int EEXIST = 17;
    internal const int EXDEV = 18;
    internal const int ENOTDIR = 20;
    internal const int EROFS = 30;
    internal const int ENOSPC = 28;
    internal const int EDQUOT = 122;

    private const int O_CLOEXEC = 0x80000;

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int CloseRaw(int fd);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FsyncRaw(int fd);

    [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial nint RealPathRaw(string path, nint resolved);

    [LibraryImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    private static partial int SyncFileRangeRaw(int fd, long offset, long nbytes, uint flags);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void FreeRaw(nint ptr);

    [LibraryImport("libc", EntryPoint = "fallocate", SetLastError = true)]
    private static partial int FallocateRaw(int fd, int mode, long offset, long length);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int FcntlRaw(int fd, int command, int argument);

    [LibraryImport("libc", EntryPoint = "execv", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int ExecvRaw(string path, string?[] argv);

    /// <summary>
    /// Replaces this process with the program at <paramref name="path"/> (execv: same pid, environment and open
    /// descriptors without close-on-exec). Returns only when that fails, with the errno.
    /// </summary>
    internal static int Exec(string path, IReadOnlyList<string> argv)
    {
        var terminated = new string?[argv.Count + 1];
        for (var i = 0; i < argv.Count; i++)
        {
            terminated[i] = argv[i];
        }

        ExecvRaw(path, terminated);
        return Marshal.GetLastPInvokeError();
    }

    /// <summary>
    /// Switches an open file to O_DIRECT (fcntl F_SETFL: the same descriptor, the name is never looked up again); false
    /// when the filesystem refuses it (tmpfs, some FUSE mounts) and the caller keeps buffered I/O.
    /// </summary>
    internal static bool TrySetDirect(Microsoft.Win32.SafeHandles.SafeFileHandle handle, string what)
    {
        const int F_GETFL = 3, F_SETFL = 4;
        var fd = (int)handle.DangerousGetHandle();
        var flags = FcntlRaw(fd, F_GETFL, 0);
        if (flags < 0 || FcntlRaw(fd, F_SETFL, flags | O_DIRECT) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno == EINVAL ? false : throw ErrnoException("set O_DIRECT on " + what, errno);
        }

        return true;
    }

    /// <summary>Reserves <paramref name="length"/> bytes (fallocate): a full disk fails here, before any transfer.</summary>
    internal static void Preallocate(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long length, string what)
    {
        if (FallocateRaw((int)handle.DangerousGetHandle(), 0, 0, length) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is not (95 or 38)) // EOPNOTSUPP, ENOSYS: the filesystem cannot reserve; the writes will tell
            {
                throw ErrnoException($"reserve {length} bytes for {what}", errno == 27 ? ENOSPC : errno);
            }
        }
    }

    /// <summary>fsync(2) of an open file.</summary>
    internal static void Fsync(Microsoft.Win32.SafeHandles.SafeFileHandle handle, string what)
    {
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            if (FsyncRaw((int)handle.DangerousGetHandle()) != 0)
            {
                throw ErrnoException("fsync " + what, Marshal.GetLastPInvokeError());
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Starts writeback of a finished range (sync_file_range SYNC_FILE_RANGE_WRITE) so the final fsync has little left
    /// to do. Best effort: errors are ignored, durability still comes from fsync.
    /// </summary>
    internal static void StartWriteback(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long offset, long length)
    {
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            _ = SyncFileRangeRaw((int)handle.DangerousGetHandle(), offset, length, 2);
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>realpath(3): the canonical absolute path with every symlink resolved, or null when it does not exist.</summary>
    internal static string? RealPath(string path)
    {
        var p = RealPathRaw(path, 0);
        if (p == 0)
        {
            return null;
        }

        try
        {
            return Marshal.PtrToStringUTF8(p);
        }
        finally
        {
            FreeRaw(p);
        }
    }

    internal static string Describe(int errno) => errno switch
    {
        EPERM => "operation not permitted",
        ENOENT => "no such file or directory",
        EACCES => "permission denied",
        EEXIST => "file exists",
        EXDEV => "cross-device link",
        ENOTDIR => "not a directory",
        EROFS => "read-only file system",
        ENOSPC => "no space left on device",
        EDQUOT => "disk quota exceeded",
        _ => Marshal.GetPInvokeErrorMessage(errno),
    };

    internal static IOException ErrnoException(string what, int errno) =>
        new ErrnoIOException($"{what}: {Describe(errno)}", errno);
}

/// <summary>An I/O failure that keeps the errno so failures can be classified exactly.</summary>
internal sealed class ErrnoIOException(string message, int errno) : IOException(message)
{
    public int Errno { get; } = errno;
}
