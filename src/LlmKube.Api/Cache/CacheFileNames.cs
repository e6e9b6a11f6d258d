using System.Text;

namespace LlmKube.Api.Cache;

/// <summary>
/// ★ How long a file name under <c>/models/&lt;cacheKey&gt;/</c> may be. The fetcher keeps dot-files beside every model
/// file (src/LlmKube.Fetcher/Cache/CacheNames.cs); the longest, <c>.NAME.ID.llmkube-partial.json.tmp</c>, is 35 bytes
/// longer than NAME, and every name must fit NAME_MAX (255 bytes). Admission (CEL rules built from
/// <see cref="Schema.Patterns"/>), the operator and render (SpecChecks) and the fetcher refuse the same names.
/// </summary>
public static partial class CacheFileNames
{
    /// <summary>NAME_MAX of Linux filesystems, in bytes.</summary>
    public const int NameMax = 255;

    /// <summary>Bytes the fetcher's longest dot-file adds to a model file's name (checked against the fetcher by a test).</summary>
    public const int LongestDotFileOverhead = 35;

    /// <summary>The longest model file name, in UTF-8 bytes: 220.</summary>
    public const int MaxModelFileNameBytes = NameMax - LongestDotFileOverhead;

    /// <summary>
    /// True when every directory of the repo-relative <paramref name="path"/> fits NAME_MAX and its file name leaves
    /// room for the dot-files.
    /// </summary>
    public static bool Fits(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var segments = path.Split('/');
        return segments[..^1].All(s => Encoding.UTF8.GetByteCount(s) <= NameMax)
            && Encoding.UTF8.GetByteCount(segments[^1]) <= MaxModelFileNameBytes;
    }

    /// <summary>
    /// The admission rule for a repo-relative path, exactly what the CRD's CEL rule evaluates: at most 220 bytes in
    /// all, or printable ASCII with every directory within 255 and the file name within 220 characters. It never admits
    /// a path that <see cref="Fits"/> refuses (a test checks that on generated paths); it refuses long non-ASCII nested
    /// paths that would fit, because CEL cannot split a path into segments.
    /// </summary>
    public static bool Admits(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Encoding.UTF8.GetByteCount(path) <= MaxModelFileNameBytes || AsciiPath().IsMatch(path);
    }

    /// <summary>The one-line explanation every refusal uses.</summary>
    public const string Explanation =
        "at most 220 bytes for a file name and 255 for a directory name: the fetcher keeps its own files (up to 35 bytes longer) beside each model file, and NAME_MAX is 255";

    [System.Text.RegularExpressions.GeneratedRegex(Schema.Patterns.AsciiPathFitsNameMax)]
    private static partial System.Text.RegularExpressions.Regex AsciiPath();
}
