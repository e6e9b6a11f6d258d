using LlmKube.Fetcher.Cli;
using LlmKube.Fetcher.Progress;
using LlmKube.Fetcher.Transfer;

namespace LlmKube.Fetcher.Fetch;

/// <summary>What every step of a fetch shares.</summary>
internal sealed record FetchContext(FetchOptions Options, ProgressReporter Reporter, TimeProvider Time)
{
    public TransferSettings Transfer { get; init; } = new(Options.Connections, Options.MaxAttempts, Options.StallTimeout, Options.DirectIo && Options.Fsync, Options.Fsync,
        MinThroughput: Options.MinThroughputBytesPerSecond, ThroughputWindow: Options.ThroughputWindow);
}

/// <summary>What happened to one file; the totals let tests and the benchmark see "no transfer".</summary>
internal enum FileOutcome
{
    /// <summary>Present with a matching sidecar: nothing read, nothing sent.</summary>
    Hit,

    /// <summary>OnChange: the remote validator matched the recorded one.</summary>
    Revalidated,

    /// <summary>Present without a sidecar (e.g. filled by upstream LLMKube); accepted and recorded.</summary>
    Recorded,

    /// <summary>Another complete *.gguf of an upstream entry was hard-linked under our name.</summary>
    Adopted,

    Downloaded,

    /// <summary>OnChange: the source failed or was unreachable, the cached copy stays.</summary>
    KeptCached,
}

internal sealed record FileResult(string Path, FileOutcome Outcome, long BytesTransferred);
