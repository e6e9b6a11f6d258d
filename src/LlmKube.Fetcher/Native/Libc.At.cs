using System.Runtime.InteropServices;

namespace LlmKube.Fetcher.Native;

/// <summary>
/// The descriptor-relative system calls (openat, statx, unlinkat, renameat2, mkdirat, fchown, fchmod, flock, readdir)
/// that every operation on a tenant-writable tree goes through: a name is always looked up in a directory we hold
/// open, never as a path a co-tenant can change between a check and its use. <see cref="DirectoryHandle"/> is the
/// only user; the flag values are those of x86_64 and aarch64 Linux, where the two differ they are chosen at run time.
/// </summary>
internal static partial class Libc
{
    internal const int ENXIO = 6;
    internal const int EAGAIN = 11;
    internal const int EBUSY = 16;
    internal const int EISDIR = 21;
    internal const int EINVAL = 22;
    internal const int ENAMETOOLONG = 36;
    internal const int ENOTEMPTY = 39;
    internal const int ELOOP = 40;

    internal const int AtFdCwd = -100;
    internal const int O_RDWR = 2;
    internal const int O_CREAT = 0x40;
    internal const int O_EXCL = 0x80;
    internal const int O_NOCTTY = 0x100;
    internal const int O_NONBLOCK = 0x800;

    internal const int LOCK_SH = 1;
    internal const int LOCK_EX = 2;
    internal const int LOCK_NB = 4;

    private const int AT_SYMLINK_NOFOLLOW = 0x100;
    private const int AT_REMOVEDIR = 0x200;
    private const int AT_EMPTY_PATH = 0x1000;
    private const uint STATX_BASIC_STATS = 0x7ff;
    private const uint RENAME_NOREPLACE = 1;
    private const int StatxSize = 256;
    private const int DirentNameOffset = 19; // struct dirent of glibc on 64-bit Linux: d_ino, d_off, d_reclen, d_type, d_name
    private const int DirentTypeOffset = 18;

    private static bool IsArm => RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm;

    internal static int O_DIRECTORY => IsArm ? 0x4000 : 0x10000;

    internal static int O_NOFOLLOW => IsArm ? 0x8000 : 0x20000;

    internal static int O_DIRECT => IsArm ? 0x10000 : 0x4000;

    [LibraryImport("libc", EntryPoint = "openat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int OpenAtRaw(int dirfd, string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int StatxRaw(int dirfd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "unlinkat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int UnlinkAtRaw(int dirfd, string path, int flags);

    [LibraryImport("libc", EntryPoint = "renameat2", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int RenameAt2Raw(int olddirfd, string oldpath, int newdirfd, string newpath, uint flags);

    [LibraryImport("libc", EntryPoint = "mkdirat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int MkdirAtRaw(int dirfd, string path, int mode);

    [LibraryImport("libc", EntryPoint = "linkat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int LinkAtRaw(int olddirfd, string oldpath, int newdirfd, string newpath, int flags);

    [LibraryImport("libc", EntryPoint = "fchown", SetLastError = true)]
    private static partial int FchownRaw(int fd, uint owner, uint group);

    [LibraryImport("libc", EntryPoint = "fchmod", SetLastError = true)]
    private static partial int FchmodRaw(int fd, uint mode);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int FlockRaw(int fd, int operation);

    [LibraryImport("libc", EntryPoint = "dup", SetLastError = true)]
    private static partial int DupRaw(int fd);

    [LibraryImport("libc", EntryPoint = "fdopendir", SetLastError = true)]
    private static partial nint FdOpenDirRaw(int fd);

    [LibraryImport("libc", EntryPoint = "readdir", SetLastError = true)]
    private static partial nint ReadDirRaw(nint dir);

    [LibraryImport("libc", EntryPoint = "closedir", SetLastError = true)]
    private static partial int CloseDirRaw(nint dir);

    [LibraryImport("libc", EntryPoint = "_exit")]
    private static partial void ExitRaw(int status);

    /// <summary>openat(2); returns the descriptor or throws with the errno.</summary>
    internal static int OpenAt(int dirfd, string name, int flags, int mode, string what)
    {
        var fd = OpenAtRaw(dirfd, name, flags | O_CLOEXEC | O_NOCTTY, mode);
        return fd >= 0 ? fd : throw ErrnoException(what, Marshal.GetLastPInvokeError());
    }

    /// <summary>statx(2) of <paramref name="name"/> in <paramref name="dirfd"/> without following a final symlink; null when it does not exist.</summary>
    internal static unsafe FileStat? StatAt(int dirfd, string name, string what)
    {
        var buffer = stackalloc byte[StatxSize];
        var flags = name.Length == 0 ? AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW : AT_SYMLINK_NOFOLLOW;
        if (StatxRaw(dirfd, name, flags, STATX_BASIC_STATS, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno is ENOENT or ENOTDIR ? null : throw ErrnoException(what, errno);
        }

        var span = new ReadOnlySpan<byte>(buffer, StatxSize);
        return FileStat.FromStatx(span);
    }

    internal static int UnlinkAt(int dirfd, string name, bool directory) =>
        UnlinkAtRaw(dirfd, name, directory ? AT_REMOVEDIR : 0) == 0 ? 0 : Marshal.GetLastPInvokeError();

    internal static int RenameAt(int fromDir, string from, int toDir, string to, bool noReplace) =>
        RenameAt2Raw(fromDir, from, toDir, to, noReplace ? RENAME_NOREPLACE : 0) == 0 ? 0 : Marshal.GetLastPInvokeError();

    internal static int MkdirAt(int dirfd, string name, int mode) =>
        MkdirAtRaw(dirfd, name, mode) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>linkat(2) without following a symlink at the source (a hard link to the link itself, never its target).</summary>
    internal static int LinkAt(int fromDir, string from, int toDir, string to) =>
        LinkAtRaw(fromDir, from, toDir, to, 0) == 0 ? 0 : Marshal.GetLastPInvokeError();

    internal static int Fchown(int fd, uint uid, uint gid) => FchownRaw(fd, uid, gid) == 0 ? 0 : Marshal.GetLastPInvokeError();

    internal static int Fchmod(int fd, uint mode) => FchmodRaw(fd, mode) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>flock(2); 0, or the errno (EWOULDBLOCK when another holder conflicts and LOCK_NB was given).</summary>
    internal static int Flock(int fd, int operation) => FlockRaw(fd, operation) == 0 ? 0 : Marshal.GetLastPInvokeError();

    internal static int Fsync(int fd) => FsyncRaw(fd) == 0 ? 0 : Marshal.GetLastPInvokeError();

    internal static void Close(int fd) => _ = CloseRaw(fd);

    /// <summary>Ends the process now: no finalizers, no flushing of streams that may themselves be what blocks.</summary>
    internal static void ExitNow(int status) => ExitRaw(status);

    /// <summary>The names in the directory <paramref name="dirfd"/> (without . and ..) with their d_type.</summary>
    internal static unsafe List<(string Name, byte Type)> ReadDirectory(int dirfd, string what)
    {
        var copy = DupRaw(dirfd);
        if (copy < 0)
        {
            throw ErrnoException(what, Marshal.GetLastPInvokeError());
        }

        var dir = FdOpenDirRaw(copy);
        if (dir == 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            Close(copy);
            throw ErrnoException(what, errno);
        }

        try
        {
            // readdir starts where the shared file offset is; the duplicate shares it with dirfd, so rewind first.
            var names = new List<(string, byte)>();
            RewindDirRaw(dir);
            while (true)
            {
                var entry = ReadDirRaw(dir);
                if (entry == 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    return errno == 0 ? names : throw ErrnoException(what, errno);
                }

                var name = Marshal.PtrToStringUTF8(entry + DirentNameOffset)!;
                if (name is not ("." or ".."))
                {
                    names.Add((name, *(byte*)(entry + DirentTypeOffset)));
                }
            }
        }
        finally
        {
            _ = CloseDirRaw(dir);
        }
    }

    [LibraryImport("libc", EntryPoint = "rewinddir")]
    private static partial void RewindDirRaw(nint dir);
}

/// <summary>What a file is, from its mode.</summary>
internal enum FileKind
{
    Regular,
    Directory,
    SymbolicLink,

    /// <summary>A fifo, socket or device: never something the fetcher created, never read or written.</summary>
    Special,
}

/// <summary>Inode number and status-change time (ns since the epoch) of a file, as statx(2) reports them.</summary>
internal sealed record FileIdentity(ulong Inode, long CtimeUnixNs);

/// <summary>The fields of statx(2) the fetcher uses.</summary>
internal readonly record struct FileStat(FileKind Kind, int Mode, uint Uid, uint Gid, long Size, long MtimeSeconds, uint MtimeNanoseconds, ulong Device, ulong Inode, long CtimeUnixNs = 0)
{
    /// <summary>Modification time in ns since the epoch, at the 100 ns precision of the sidecar's <c>mtimeUnixNs</c>.</summary>
    public long MtimeUnixNs => (MtimeSeconds * 10_000_000 + MtimeNanoseconds / 100) * 100;

    /// <summary>Inode number and status-change time: unlike mtime, no unprivileged process can set ctime back.</summary>
    public FileIdentity Identity => new(Inode, CtimeUnixNs);

    public static FileStat FromStatx(ReadOnlySpan<byte> s)
    {
        var mode = System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(s[28..]);
        var kind = (mode & 0xF000) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0xA000 => FileKind.SymbolicLink,
            _ => FileKind.Special,
        };
        return new FileStat(
            kind,
            mode & 0xFFF,
            ReadU32(s, 20),
            ReadU32(s, 24),
            (long)ReadU64(s, 40),
            (long)ReadU64(s, 112),
            ReadU32(s, 120),
            ((ulong)ReadU32(s, 136) << 32) | ReadU32(s, 140),
            ReadU64(s, 32),
            ((long)ReadU64(s, 96) * 1_000_000_000) + ReadU32(s, 104));
    }

    private static uint ReadU32(ReadOnlySpan<byte> s, int at) => System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(s[at..]);

    private static ulong ReadU64(ReadOnlySpan<byte> s, int at) => System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(s[at..]);
}
