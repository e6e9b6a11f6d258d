using System.Globalization;
using System.Text.RegularExpressions;

namespace LlmKube.Cli.Cluster;

/// <summary>Durations as kubectl writes them: 90s, 10m, 1h30m, or a bare number of seconds.</summary>
internal static partial class Durations
{
    public static TimeSpan Parse(string? text, string flag)
    {
        var value = text?.Trim() ?? "";
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        var match = Pattern().Match(value);
        if (!match.Success || value.Length == 0)
        {
            throw CliException.Usage($"{flag} {text}: not a duration: write it like 30s, 10m or 1h30m");
        }

        var total = TimeSpan.Zero;
        for (var i = 0; i < match.Groups["n"].Captures.Count; i++)
        {
            var number = double.Parse(match.Groups["n"].Captures[i].Value, CultureInfo.InvariantCulture);
            total += match.Groups["u"].Captures[i].Value switch
            {
                "h" => TimeSpan.FromHours(number),
                "m" => TimeSpan.FromMinutes(number),
                "ms" => TimeSpan.FromMilliseconds(number),
                _ => TimeSpan.FromSeconds(number),
            };
        }

        return total > TimeSpan.Zero ? total : throw CliException.Usage($"{flag} {text}: must be more than zero");
    }

    public static string Format(TimeSpan span) => span.TotalSeconds < 1
        ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalMilliseconds:0}ms")
        : span.TotalMinutes < 2 ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.#}s")
        : span.TotalHours < 2 ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalMinutes}m{span.Seconds}s")
        : string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours}h{span.Minutes}m");

    /// <summary>An object's age as kubectl shows it (5s, 3m, 2h, 4d).</summary>
    public static string Age(DateTime? created, DateTime now)
    {
        if (created is null)
        {
            return "<unknown>";
        }

        var age = now - created.Value.ToUniversalTime();
        return age.TotalSeconds < 120 ? $"{Math.Max(0, (int)age.TotalSeconds)}s"
            : age.TotalMinutes < 120 ? $"{(int)age.TotalMinutes}m"
            : age.TotalHours < 48 ? $"{(int)age.TotalHours}h"
            : $"{(int)age.TotalDays}d";
    }

    [GeneratedRegex(@"^((?<n>[0-9]+(\.[0-9]+)?)(?<u>ms|h|m|s))+$")]
    private static partial Regex Pattern();
}
