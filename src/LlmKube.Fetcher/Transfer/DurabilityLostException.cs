using LlmKube.Fetcher.Native;

namespace LlmKube.Fetcher.Transfer;

/// <summary>
/// The cache volume failed a write, read or fsync of a file being downloaded (EIO). Linux reports a writeback error
/// once and may drop the pages it could not write, so nothing written to the file can be trusted afterwards, including
/// chunks a resume map calls done: the download deletes the partial (<see cref="Fetch.Downloader"/>), and the next
/// attempt starts over.
/// </summary>
internal sealed class DurabilityLostException(string what, IOException cause)
    : IOException($"{what}: {Libc.Describe(Libc.EIO)}: the cache volume failed, so nothing written to the partial download can be trusted; it "
        + "was deleted and the next attempt downloads the file again; check the volume's health (the node's kernel log, the storage backend)", cause)
{
    /// <summary>EIO from our own calls (<see cref="ErrnoIOException"/>) or from RandomAccess (errno as HResult).</summary>
    public static bool IsIoError(IOException e) => e is ErrnoIOException { Errno: Libc.EIO } || (e is not ErrnoIOException && e.HResult == Libc.EIO);
}
