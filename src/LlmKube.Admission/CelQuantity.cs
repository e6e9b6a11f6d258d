using System.Globalization;
using System.Text.RegularExpressions;
using Cel;

namespace LlmKube.Admission;

/// <summary>
/// A Kubernetes resource quantity as CEL rules see it: the part of the API server's quantity library
/// (<c>quantity</c>, <c>isQuantity</c>, comparisons, arithmetic, conversions) implemented over <see cref="decimal"/>,
/// so CRD rules on sizes admit in the sandbox and in render exactly what they admit on a cluster.
/// </summary>
public readonly partial record struct CelQuantity(decimal Value)
{
    /// <summary>The API server's message for a string that is not a quantity (apimachinery's resource.ErrFormatWrong).</summary>
    public const string FormatError = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

    private static readonly Dictionary<string, decimal> Suffixes = new(StringComparer.Ordinal)
    {
        [""] = 1m,
        ["n"] = 0.000000001m,
        ["u"] = 0.000001m,
        ["m"] = 0.001m,
        ["k"] = 1e3m,
        ["M"] = 1e6m,
        ["G"] = 1e9m,
        ["T"] = 1e12m,
        ["P"] = 1e15m,
        ["E"] = 1e18m,
        ["Ki"] = 1024m,
        ["Mi"] = 1024m * 1024,
        ["Gi"] = 1024m * 1024 * 1024,
        ["Ti"] = 1024m * 1024 * 1024 * 1024,
        ["Pi"] = 1024m * 1024 * 1024 * 1024 * 1024,
        ["Ei"] = 1024m * 1024 * 1024 * 1024 * 1024 * 1024,
    };

    /// <summary>Parses as apimachinery's ParseQuantity: a signed decimal number and one SI, binary-SI or exponent suffix.</summary>
    public static bool TryParse(string? text, out CelQuantity quantity)
    {
        quantity = default;
        var match = text is null ? null : QuantityPattern().Match(text);
        if (match is not { Success: true })
        {
            return false;
        }

        var digits = match.Groups["number"].Value;
        if (!decimal.TryParse(digits, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }

        var suffix = match.Groups["suffix"].Value;
        decimal scale;
        if (Suffixes.TryGetValue(suffix, out var known))
        {
            scale = known;
        }
        else if (suffix[0] is 'e' or 'E' && int.TryParse(suffix.AsSpan(1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var exponent) && exponent is >= -18 and <= 18)
        {
            scale = exponent >= 0 ? Pow10(exponent) : 1m / Pow10(-exponent);
        }
        else
        {
            return false;
        }

        try
        {
            quantity = new CelQuantity(number * scale);
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    /// <summary>Registers <c>quantity</c>, <c>isQuantity</c> and the Quantity methods on a CEL environment.</summary>
    public static void Register(CelEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        Type[] one = [typeof(CelQuantity)];
        Type[] two = [typeof(CelQuantity), typeof(CelQuantity)];
        Type[] withInt = [typeof(CelQuantity), typeof(long)];
        environment.RegisterFunction("quantity", [typeof(string)], args => TryParse((string)args[0]!, out var q) ? q : throw new CelQuantityException(FormatError));
        environment.RegisterFunction("isQuantity", [typeof(string)], args => TryParse((string)args[0]!, out _));
        environment.RegisterFunction("compareTo", two, args => (long)Of(args, 0).CompareTo(Of(args, 1)));
        environment.RegisterFunction("isGreaterThan", two, args => Of(args, 0) > Of(args, 1));
        environment.RegisterFunction("isLessThan", two, args => Of(args, 0) < Of(args, 1));
        environment.RegisterFunction("sign", one, args => (long)Math.Sign(Of(args, 0)));
        environment.RegisterFunction("isInteger", one, args => Of(args, 0) is var v && v == decimal.Truncate(v) && v is >= long.MinValue and <= long.MaxValue);
        environment.RegisterFunction("asInteger", one, args => Of(args, 0) is var v && v == decimal.Truncate(v) && v is >= long.MinValue and <= long.MaxValue
            ? (long)v
            : throw new CelQuantityException("cannot convert value to integer"));
        environment.RegisterFunction("asApproximateFloat", one, args => (double)Of(args, 0));
        environment.RegisterFunction("add", two, args => new CelQuantity(Of(args, 0) + Of(args, 1)));
        environment.RegisterFunction("add", withInt, args => new CelQuantity(Of(args, 0) + (long)args[1]!));
        environment.RegisterFunction("sub", two, args => new CelQuantity(Of(args, 0) - Of(args, 1)));
        environment.RegisterFunction("sub", withInt, args => new CelQuantity(Of(args, 0) - (long)args[1]!));
    }

    private static decimal Of(object?[] args, int index) => ((CelQuantity)args[index]!).Value;

    private static decimal Pow10(int exponent)
    {
        var result = 1m;
        for (var i = 0; i < exponent; i++)
        {
            result *= 10;
        }

        return result;
    }

    [GeneratedRegex(@"^(?<number>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?<suffix>|[numkMGTPE]|[KMGTPE]i|[eE][+-]?[0-9]+)$", RegexOptions.CultureInvariant)]
    private static partial Regex QuantityPattern();
}

/// <summary>A quantity function's runtime error (an invalid quantity, a value that is not an integer).</summary>
public sealed class CelQuantityException(string message) : Exception(message);
