using System.Runtime.InteropServices;

namespace LlmKube.Fetcher.Native;

/// <summary>Direct system calls the BCL does not expose (chown, fsync of a directory, hard links, realpath).</summary>
internal static partial class Libc
{
    internal const int EPERM = 1;
    internal const int ENOENT = 2;
    internal const int EACCES = 13;
    internal const int EEXIST = 17;
    internal const int EXDEV = 18;
    internal const int ENOTDIR = 20;
    internal const int EROFS = 30;
    internal const int ENOSPC = 28;
    internal const int EDQUOT = 122;

    private const int O_RDONLY = 0;
    private const int O_CLOEXEC = 0x80000;

    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int LinkRaw(string existing, string created);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int OpenRaw(string path, int flags);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int OpenModeRaw(string path, int flags, int mode);

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

    /// <summary>link(2); returns 0 or the errno.</summary>
    internal static int Link(string existing, string created) =>
        LinkRaw(existing, created) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>
    /// Opens an existing file read-write with O_DIRECT (page cache bypassed), or returns null when the filesystem refuses
    /// it (tmpfs, some FUSE mounts): the caller then uses buffered I/O.
    /// </summary>
    internal static Microsoft.Win32.SafeHandles.SafeFileHandle? OpenDirect(string path)
    {
        const int O_RDWR = 2;
        var direct = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x10000 : 0x4000;
        var fd = OpenModeRaw(path, O_RDWR | O_CLOEXEC | direct, 0);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno == 22 ? null : throw ErrnoException("open " + path, errno);
        }

        return new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true);
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

    /// <summary>Makes a rename or create inside <paramref name="directory"/> durable.</summary>
    internal static void FsyncDirectory(string directory)
    {
        var fd = OpenRaw(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
        {
            throw ErrnoException("open directory " + directory, Marshal.GetLastPInvokeError());
        }

        try
        {
            if (FsyncRaw(fd) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                // Some filesystems (and FUSE mounts) refuse fsync on directories; the rename is still atomic.
                if (errno is not (22 or 95))
                {
                    throw ErrnoException("fsync directory " + directory, errno);
                }
            }
        }
        finally
        {
            _ = CloseRaw(fd);
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
