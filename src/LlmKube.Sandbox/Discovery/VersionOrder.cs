using System.Globalization;
using System.Text.RegularExpressions;

namespace LlmKube.Sandbox.Discovery;

/// <summary>Kubernetes version priority: GA before beta before alpha, higher numbers first, others last alphabetically.</summary>
internal sealed partial class VersionOrder : IComparer<string>
{
    public static VersionOrder Instance { get; } = new();

    [GeneratedRegex("^v([0-9]+)(?:(alpha|beta)([0-9]+))?$")]
    private static partial Regex Pattern();

    public int Compare(string? x, string? y)
    {
        var (kx, mx, sx) = Rank(x ?? string.Empty);
        var (ky, my, sy) = Rank(y ?? string.Empty);
        if (kx != ky)
        {
            return kx.CompareTo(ky);
        }

        if (kx == 3)
        {
            return string.CompareOrdinal(x, y);
        }

        return mx != my ? my.CompareTo(mx) : sy.CompareTo(sx);
    }

    private static (int Kind, int Major, int Minor) Rank(string version)
    {
        var match = Pattern().Match(version);
        if (!match.Success)
        {
            return (3, 0, 0);
        }

        var major = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        var minor = match.Groups[3].Success ? int.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture) : 0;
        return match.Groups[2].Value switch
        {
            "beta" => (1, major, minor),
            "alpha" => (2, major, minor),
            _ => (0, major, minor),
        };
    }
}
