using System.Runtime.InteropServices;

namespace LlmKube.Fetcher.Tests.Infrastructure;

/// <summary>
/// Builds a chain of directories deeper than PATH_MAX (4096 bytes of path) with mkdirat/openat, descending one
/// descriptor at a time: such a tree cannot be made, or removed, by path.
/// </summary>
public static partial class DeepTree
{
    private const int AtFdCwd = -100;
    private const int OCreat = 0x40;
    private const int OWronly = 1;

    /// <summary>Creates <paramref name="depth"/> nested directories named <paramref name="segment"/> below <paramref name="root"/> and a file at the bottom.</summary>
    public static void Create(string root, int depth, string segment, string fileName, byte[] content)
    {
        var directory = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 ? 0x4000 : 0x10000;
        var fd = OpenAt(AtFdCwd, root, directory, 0);
        Assert.True(fd >= 0, $"open {root}");
        for (var i = 0; i < depth; i++)
        {
            Assert.Equal(0, MkdirAt(fd, segment, Convert.ToInt32("755", 8)));
            var child = OpenAt(fd, segment, directory, 0);
            Assert.True(child >= 0, $"open level {i}");
            _ = Close(fd);
            fd = child;
        }

        var file = OpenAt(fd, fileName, OWronly | OCreat, Convert.ToInt32("644", 8));
        Assert.True(file >= 0);
        Assert.Equal(content.Length, (int)Write(file, content, content.Length));
        _ = Close(file);
        _ = Close(fd);
    }

    [LibraryImport("libc", EntryPoint = "openat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int OpenAt(int dirfd, string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "mkdirat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int MkdirAt(int dirfd, string path, int mode);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint Write(int fd, byte[] buffer, nint count);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
