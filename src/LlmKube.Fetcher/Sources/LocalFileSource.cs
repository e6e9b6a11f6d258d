using System.Globalization;
using LlmKube.Fetcher.Failures;

namespace LlmKube.Fetcher.Sources;

/// <summary>`file://` sources, read only under the allowed roots (checked on the real path, symlinks resolved).</summary>
internal sealed class LocalFileSource(string realPath) : IFileSource
{
    public string Display { get; } = "file://" + realPath;

    public Task<RemoteFile> ProbeAsync(CancellationToken ct)
    {
        var info = new FileInfo(realPath);
        if (!info.Exists)
        {
            throw new FetchException(FailureReason.SourceNotFound, $"{Display}: no such file");
        }

        var validator = new Validator(null, info.Length.ToString(CultureInfo.InvariantCulture) + "@" + info.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture));
        return Task.FromResult(new RemoteFile(info.Length, validator, validator, AcceptsRanges: true));
    }

    public Task<Stream> OpenAsync(RemoteFile remote, long offset, long? length, CancellationToken ct)
    {
        var info = new FileInfo(realPath);
        var now = new Validator(null, info.Length.ToString(CultureInfo.InvariantCulture) + "@" + info.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture));
        if (!now.SameAs(remote.DataValidator))
        {
            throw new SourceChangedException($"{Display}: the file changed during the copy");
        }

        var stream = new FileStream(realPath, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.ReadWrite | FileShare.Delete,
            BufferSize = 0,
            Options = FileOptions.SequentialScan,
        });
        stream.Position = offset;
        return Task.FromResult<Stream>(stream);
    }

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
