using System.Globalization;
using System.Text.RegularExpressions;

namespace LlmKube.Operator.Configuration;

/// <summary>Parses durations written as upstream's flags take them: <c>1h</c>, <c>30m</c>, <c>1h30m</c>, <c>90s</c>, <c>500ms</c>.</summary>
public static partial class GoDuration
{
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrEmpty(text) || !Whole().IsMatch(text))
        {
            return false;
        }

        foreach (Match part in Part().Matches(text))
        {
            var number = double.Parse(part.Groups[1].Value, CultureInfo.InvariantCulture);
            value += part.Groups[2].Value switch
            {
                "h" => TimeSpan.FromHours(number),
                "m" => TimeSpan.FromMinutes(number),
                "s" => TimeSpan.FromSeconds(number),
                "ms" => TimeSpan.FromMilliseconds(number),
                _ => TimeSpan.Zero,
            };
        }

        return true;
    }

    [GeneratedRegex(@"^([0-9]+(\.[0-9]+)?(h|ms|m|s))+$")]
    private static partial Regex Whole();

    [GeneratedRegex(@"([0-9]+(?:\.[0-9]+)?)(h|ms|m|s)")]
    private static partial Regex Part();
}
