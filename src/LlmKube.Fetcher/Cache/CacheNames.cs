namespace LlmKube.Fetcher.Cache;

/// <summary>
/// Names of the dot-files the fetcher keeps beside a model file (docs: src/LlmKube.Fetcher/README.md).
/// For a model file `NAME` in directory `D`:
///   D/.NAME.llmkube.json                 sidecar (size, sha256, validator, source, fetch time)
///   D/.NAME.ID.llmkube-partial           download in progress (ID: 8 random hex digits, unique per attempt)
///   D/.NAME.ID.llmkube-partial.json      resume state of that download (validator, size, completed chunks)
///   D/.NAME.llmkube.json.ID.tmp          sidecar being written (renamed over the sidecar)
/// and one lock per cache entry: ENTRY/.llmkube.lock.
/// </summary>
internal static class CacheNames
{
    public const string LockFileName = ".llmkube.lock";
    public const string PartialSuffix = ".llmkube-partial";
    public const string SidecarSuffix = ".llmkube.json";

    /// <summary>A sidecar or resume state is a few hundred bytes; anything larger is not ours and is not read.</summary>
    public const int MaxSidecarBytes = 64 * 1024;

    public static string Sidecar(string finalPath) =>
        Path.Combine(Dir(finalPath), SidecarName(Path.GetFileName(finalPath)));

    /// <summary>The sidecar's name for the model file <paramref name="fileName"/> in the same directory.</summary>
    public static string SidecarName(string fileName) => "." + fileName + SidecarSuffix;

    public static string SidecarTemp(string finalPath, string id) => Sidecar(finalPath) + "." + id + ".tmp";

    public static string Partial(string finalPath, string id) =>
        Path.Combine(Dir(finalPath), "." + Path.GetFileName(finalPath) + "." + id + PartialSuffix);

    public static string PartialState(string partialPath) => partialPath + ".json";

    /// <summary>Glob pattern matching every partial download of <paramref name="finalPath"/>.</summary>
    public static string PartialPattern(string finalPath) => "." + Path.GetFileName(finalPath) + ".*" + PartialSuffix;

    public static string Lock(string entryDir) => Path.Combine(entryDir, LockFileName);

    public static bool IsInternalName(string name) =>
        name == LockFileName
        || (name.StartsWith('.') && (name.EndsWith(SidecarSuffix, StringComparison.Ordinal)
            || name.EndsWith(PartialSuffix, StringComparison.Ordinal)
            || name.Contains(PartialSuffix, StringComparison.Ordinal)
            || (name.EndsWith(".tmp", StringComparison.Ordinal) && name.Contains(SidecarSuffix + ".", StringComparison.Ordinal))));

    public static string NewId() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4));

    private static string Dir(string path) => Path.GetDirectoryName(path) ?? ".";
}
