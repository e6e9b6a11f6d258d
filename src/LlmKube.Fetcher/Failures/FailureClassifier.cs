using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using LlmKube.Fetcher.Native;
using LlmKube.Fetcher.Transfer;

namespace LlmKube.Fetcher.Failures;

/// <summary>Maps any exception to a <see cref="FetchException"/> with one of the documented reasons.</summary>
internal static class FailureClassifier
{
    // .NET reports errno as HResult for unmapped errors; preallocation failures use Win32-style codes.
    private const int ErrorDiskFull = 112;
    private const int ErrorHandleDiskFull = 39;
    private const int ErrorFileTooLarge = 223;
    private const int EFBIG = 27;

    public static FetchException Classify(Exception e)
    {
        switch (e)
        {
            case FetchException fe:
                return fe;
            case AggregateException { InnerExceptions.Count: > 0 } ae:
                return Classify(ae.InnerExceptions[0]);
            case SourceChangedException sc:
                return new FetchException(FailureReason.SourceUnreachable, sc.Message, e);
            case TransientException te:
                return new FetchException(FailureReason.SourceUnreachable, te.Message, e);
        }

        // A library (HttpClient, the S3 SDK) may wrap the classified failure a handler of ours threw.
        if (FindInner<FetchException>(e) is { } wrapped)
        {
            return wrapped;
        }

        if (IsOutOfSpace(e))
        {
            return new FetchException(FailureReason.OutOfSpace, "no space left on the cache volume: " + e.Message, e);
        }

        if (FindInner<DurabilityLostException>(e) is { } lost)
        {
            return new FetchException(FailureReason.CacheNotWritable, lost.Message, e);
        }

        if (FindInner<IOException>(e) is { } io && DurabilityLostException.IsIoError(io))
        {
            return new FetchException(FailureReason.CacheNotWritable, "a volume reported an I/O error (its disk or storage backend failed): " + io.Message, e);
        }

        if (FindInner<AuthenticationException>(e) is { } auth)
        {
            return new FetchException(FailureReason.SourceUntrusted,
                "TLS handshake failed (certificate not trusted? add the CA with --ca-dir): " + auth.Message, e);
        }

        if (e is HttpRequestException { StatusCode: { } status })
        {
            return FromStatus(status, e.Message);
        }

        if (e is HttpRequestException or SocketException or TimeoutException or HttpIOException)
        {
            return new FetchException(FailureReason.SourceUnreachable, e.Message, e);
        }

        if (e is PathTooLongException || e is ErrnoIOException { Errno: Libc.ENAMETOOLONG })
        {
            return new FetchException(FailureReason.InvalidSource, "a file name is too long for the cache volume: " + e.Message, e);
        }

        if (e is Native.NotRegularException || e is ErrnoIOException { Errno: Libc.ELOOP or Libc.ENOTDIR or Libc.EISDIR or Libc.ENOTEMPTY or Libc.EEXIST })
        {
            return new FetchException(FailureReason.CacheNotWritable,
                "the cache entry holds something the fetcher did not create at a name it needs (a link, a directory, a special file): " + e.Message, e);
        }

        if (e is UnauthorizedAccessException || (e is ErrnoIOException { Errno: Libc.EACCES or Libc.EPERM or Libc.EROFS })
            || (e is IOException && e.HResult == Libc.EROFS))
        {
            return new FetchException(FailureReason.CacheNotWritable, e.Message, e);
        }

        return new FetchException(FailureReason.Internal, $"{e.GetType().Name} (0x{e.HResult:x8}): {e.Message}", e);
    }

    public static FetchException FromStatus(HttpStatusCode status, string what) => (int)status switch
    {
        401 or 403 => new FetchException(FailureReason.SourceUnauthorized, $"{what}: HTTP {(int)status} (set HF_TOKEN or the S3 credentials through the Model's sourceSecretRef)"),
        404 or 410 => new FetchException(FailureReason.SourceNotFound, $"{what}: HTTP {(int)status}"),
        _ => new FetchException(FailureReason.SourceUnreachable, $"{what}: HTTP {(int)status}"),
    };

    public static bool IsOutOfSpace(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            if (x is ErrnoIOException { Errno: Libc.ENOSPC or Libc.EDQUOT })
            {
                return true;
            }

            if (x is IOException && (x.HResult is Libc.ENOSPC or Libc.EDQUOT or EFBIG or ErrorDiskFull or ErrorHandleDiskFull or ErrorFileTooLarge
                || (x.HResult & 0xFFFF) == ErrorDiskFull))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A write, read-back or fsync of the file being downloaded failed (EIO): nothing written to it can be trusted.</summary>
    public static bool IsDurabilityLost(Exception e) => FindInner<DurabilityLostException>(e) is not null;

    /// <summary>Transient errors are worth another attempt of the same request.</summary>
    public static bool IsTransient(Exception e, CancellationToken outer) => e switch
    {
        _ when FindInner<FetchException>(e) is not null => false, // classified by us: a policy refusal, never retried
        OperationCanceledException => !outer.IsCancellationRequested,
        TransientException => true,
        HttpRequestException { StatusCode: { } s } => (int)s is 408 or 429 or >= 500,
        HttpRequestException h => FindInner<AuthenticationException>(h) is null,
        HttpIOException or SocketException or TimeoutException => true,
        IOException io => !IsOutOfSpace(io) && io.InnerException is SocketException or HttpIOException,
        _ => false,
    };

    private static T? FindInner<T>(Exception e)
        where T : Exception
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            if (x is T t)
            {
                return t;
            }
        }

        return null;
    }
}
