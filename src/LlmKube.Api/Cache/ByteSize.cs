using System.Globalization;

namespace LlmKube.Api.Cache;

/// <summary>Sizes as upstream shows them: base 1024 with one decimal ("4.6 GiB"); a Model's size is left unset when unknown.</summary>
public static class ByteSize
{
    private static readonly string[] Units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

    /// <summary>A Model's status.size as it can be shown: null when unknown (unset, or "0" as upstream and older versions wrote it).</summary>
    public static string? Reported(string? size) => size is { Length: > 0 } and not "0" ? size : null;

    public static string Format(long? bytes)
    {
        if (bytes is not > 0)
        {
            return "0";
        }

        double value = bytes.Value;
        var unit = 0;
        while (value >= 1024 && unit < Units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes.Value} B")
            : string.Create(CultureInfo.InvariantCulture, $"{value:0.0} {Units[unit]}");
    }
}
