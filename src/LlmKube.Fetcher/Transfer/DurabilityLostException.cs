using LlmKube.Fetcher.Native;

namespace LlmKube.Fetcher.Transfer;

/// <summary>
/// fsync of a file being downloaded failed. Linux reports a writeback error once and may drop the pages it could not
/// write, so nothing written to the file can be trusted afterwards, including chunks a resume map calls done: the
/// download deletes the partial (<see cref="Fetch.Downloader"/>), and the next attempt starts over.
/// </summary>
internal sealed class DurabilityLostException(ErrnoIOException cause)
    : IOException($"{cause.Message}: the cache volume did not make the written data durable, so the partial download was deleted and the next "
        + "attempt downloads the file again; check the volume's health (the node's kernel log, the storage backend)", cause);
