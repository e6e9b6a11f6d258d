using System.Globalization;
using LlmKube.Fetcher.Failures;

namespace LlmKube.Fetcher.Sources;

/// <summary>`file://` sources, read only under the allowed roots (checked on the real path, symlinks resolved).</summary>
internal sealed class LocalFileSource(string realPath) : IFileSource
{
    public string Display { get; } = "file://" + realPath;

    public Task<RemoteFile> ProbeAsync(CancellationToken ct)
    {
        using var handle = Open(out var stat);
        var validator = ValidatorOf(stat);
        return Task.FromResult(new RemoteFile(stat.Size, validator, validator, AcceptsRanges: true));
    }

    public Task<Stream> OpenAsync(RemoteFile remote, long offset, long? length, CancellationToken ct)
    {
        var handle = Open(out var stat);
        if (!ValidatorOf(stat).SameAs(remote.DataValidator))
        {
            handle.Dispose();
            throw new SourceChangedException($"{Display}: the file changed during the copy");
        }

        return Task.FromResult<Stream>(new FileStream(handle, FileAccess.Read, bufferSize: 0) { Position = offset });
    }

    /// <summary>
    /// Opens the resolved path without following a link swapped in since it was resolved and without blocking on a
    /// fifo; only a regular file is a source (a fifo, socket or device such as /dev/zero would never end).
    /// </summary>
    private Microsoft.Win32.SafeHandles.SafeFileHandle Open(out Native.FileStat stat)
    {
        int fd;
        try
        {
            fd = Native.Libc.OpenAt(Native.Libc.AtFdCwd, realPath, Native.Libc.O_NOFOLLOW | Native.Libc.O_NONBLOCK, 0, "open " + Display);
        }
        catch (Native.ErrnoIOException e) when (e.Errno is Native.Libc.ENOENT)
        {
            throw new FetchException(FailureReason.SourceNotFound, $"{Display}: no such file", e);
        }
        catch (Native.ErrnoIOException e) when (e.Errno is Native.Libc.ELOOP or Native.Libc.ENXIO)
        {
            throw new FetchException(FailureReason.InvalidSource, $"{Display}: not a regular file", e);
        }

        var handle = new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true);
        if (Native.Libc.StatAt(fd, "", "stat " + Display) is not { Kind: Native.FileKind.Regular } regular)
        {
            handle.Dispose();
            throw new FetchException(FailureReason.InvalidSource, $"{Display}: not a regular file (a fifo, device, socket or directory is never copied)");
        }

        stat = regular;
        return handle;
    }

    // Size and mtime in .NET ticks, the form earlier fetchers recorded for file sources.
    private static Validator ValidatorOf(Native.FileStat stat) =>
        new(null, stat.Size.ToString(CultureInfo.InvariantCulture) + "@" + (DateTime.UnixEpoch.Ticks + stat.MtimeUnixNs / 100).ToString(CultureInfo.InvariantCulture));

    /// <summary>Resolves a file:// path and checks it lies under one of the allowed roots.</summary>
    public static string Authorize(string path, IReadOnlyList<string> allowedRoots)
    {
        if (allowedRoots.Count == 0)
        {
            throw new FetchException(FailureReason.InvalidSource, $"file://{path}: file sources need --allow-file-root (LLMKUBE_ALLOWED_FILE_ROOTS)");
        }

        var real = Native.Libc.RealPath(path)
            ?? throw new FetchException(FailureReason.SourceNotFound, $"file://{path}: no such file");
        foreach (var root in allowedRoots)
        {
            if (Native.Libc.RealPath(root) is { } realRoot
                && (real == realRoot || real.StartsWith(realRoot.TrimEnd('/') + "/", StringComparison.Ordinal)))
            {
                return real;
            }
        }

        throw new FetchException(FailureReason.InvalidSource, $"file://{path}: not under an allowed root ({string.Join(':', allowedRoots)})");
    }
}
