namespace LlmKube.Fetcher.Cache;

/// <summary>
/// Names of the dot-files the fetcher keeps beside a model file (docs: src/LlmKube.Fetcher/README.md).
/// For a model file `NAME` in directory `D`:
///   D/.NAME.llmkube.json                  sidecar (size, sha256, validator, source, fetch time)
///   D/.NAME.ID.llmkube-partial            download in progress (ID: 8 random hex digits, unique per attempt)
///   D/.NAME.ID.llmkube-partial.json       resume state of that download (validator, size, completed chunks)
///   D/.NAME.ID.llmkube-partial.json.tmp   resume state being written (renamed over the resume state)
///   D/.NAME.llmkube.json.ID.tmp           sidecar being written (renamed over the sidecar)
/// and one lock per cache entry: ENTRY/.llmkube.lock.
/// </summary>
internal static class CacheNames
{
    public const string LockFileName = ".llmkube.lock";
    public const string PartialSuffix = ".llmkube-partial";
    public const string SidecarSuffix = ".llmkube.json";

    /// <summary>A sidecar or resume state is a few hundred bytes; anything larger is not ours and is not read.</summary>
    public const int MaxSidecarBytes = 64 * 1024;

    /// <summary>NAME_MAX of Linux filesystems: the longest name a directory entry can have, in bytes.</summary>
    public const int NameMax = 255;

    /// <summary>
    /// Bytes the longest dot-file adds to a model file's name: `.NAME.ID.llmkube-partial.json.tmp` is 1 + NAME + 1 + 8
    /// + 16 + 5 + 4. A model file name may have at most <see cref="MaxModelFileNameBytes"/> bytes so that every file
    /// the fetcher creates beside it still fits <see cref="NameMax"/>.
    /// </summary>
    public static readonly int LongestDotFileOverhead = PartialStateTemp(PartialName("", "00000000")).Length;

    /// <summary>The longest model file name (UTF-8 bytes) whose dot-files all fit NAME_MAX: 220.</summary>
    public static readonly int MaxModelFileNameBytes = NameMax - LongestDotFileOverhead;

    /// <summary>
    /// Refuses a model file path (relative to its entry) that the cache cannot hold: a directory name longer than
    /// NAME_MAX, or a file name whose dot-files would not fit it (finding 8 of issue 12: it used to fail half-way with
    /// PathTooLongException). Checked before any network traffic.
    /// </summary>
    public static void CheckFits(string relative)
    {
        var segments = relative.Split('/');
        foreach (var directory in segments[..^1])
        {
            if (System.Text.Encoding.UTF8.GetByteCount(directory) > NameMax)
            {
                throw new Failures.FetchException(FailureReason.InvalidSource,
                    $"the directory name '{directory[..40]}…' in '{relative[..Math.Min(relative.Length, 60)]}…' has {System.Text.Encoding.UTF8.GetByteCount(directory)} bytes; NAME_MAX is {NameMax}");
            }
        }

        var bytes = System.Text.Encoding.UTF8.GetByteCount(segments[^1]);
        if (bytes > MaxModelFileNameBytes)
        {
            throw new Failures.FetchException(FailureReason.InvalidSource,
                $"the file name '{segments[^1][..Math.Min(segments[^1].Length, 40)]}…' has {bytes} bytes; at most {MaxModelFileNameBytes} fit, because the fetcher's own files beside it add {LongestDotFileOverhead} and NAME_MAX is {NameMax}");
        }
    }

    public static string SidecarName(string fileName) => "." + fileName + SidecarSuffix;

    public static string SidecarTemp(string fileName, string id) => SidecarName(fileName) + "." + id + ".tmp";

    public static string PartialName(string fileName, string id) => "." + fileName + "." + id + PartialSuffix;

    public static string PartialState(string partialName) => partialName + ".json";

    public static string PartialStateTemp(string partialName) => PartialState(partialName) + ".tmp";

    /// <summary>True for the partial downloads of <paramref name="fileName"/> (`.NAME.ID.llmkube-partial`).</summary>
    public static bool IsPartialOf(string name, string fileName) =>
        name.Length == 1 + fileName.Length + 1 + 8 + PartialSuffix.Length
        && name.StartsWith("." + fileName + ".", StringComparison.Ordinal)
        && name.EndsWith(PartialSuffix, StringComparison.Ordinal);

    public static string NewId() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4));
}
