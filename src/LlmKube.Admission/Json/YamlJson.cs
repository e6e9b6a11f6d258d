using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace LlmKube.Admission.Json;

/// <summary>
/// YAML as Kubernetes reads and writes it, on <see cref="JsonNode"/> trees: the one reader and the one writer of the
/// CLI and the sandbox. Reading follows the YAML 1.2 core schema, which agrees with sigs.k8s.io/yaml on what kubectl
/// meets: <c>0x10</c> and <c>0o17</c> are integers, <c>2024-01-01</c> stays a string, quoted scalars are strings,
/// and a mapping may not repeat a key. Writing is kubectl's block layout, and every string YAML could read back as
/// something else (YAML 1.1 booleans like <c>yes</c>, numbers, dates, <c>~</c>) is double-quoted.
/// </summary>
public static partial class YamlJson
{
    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~",
    };

    private static readonly JsonSerializerOptions Readable = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Every document of a multi-document text, an empty one as null (positions count in messages).</summary>
    /// <exception cref="YamlException">Invalid YAML, a repeated key, or a key that is not a scalar.</exception>
    public static IReadOnlyList<JsonNode?> Documents(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents.Select(d => Convert(d.RootNode)).ToList();
    }

    /// <summary>Every non-empty document of a multi-document text.</summary>
    public static IReadOnlyList<JsonNode> ParseAll(string text) => Documents(text).OfType<JsonNode>().ToList();

    /// <summary>One document; JSON input is valid YAML, so this accepts both.</summary>
    public static JsonNode? ParseOne(string text)
    {
        var all = ParseAll(text);
        return all.Count switch
        {
            0 => null,
            1 => all[0],
            _ => throw new YamlException("expected a single YAML document"),
        };
    }

    /// <summary>Block-style YAML in kubectl's layout (sequence items at their key's indentation).</summary>
    public static string Write(JsonNode? document)
    {
        var builder = new StringBuilder();
        switch (document)
        {
            case JsonObject { Count: > 0 } obj:
                WriteObject(builder, obj, 0);
                break;
            case JsonArray { Count: > 0 } array:
                WriteArray(builder, array, 0);
                break;
            default:
                builder.Append(Scalar(document)).Append('\n');
                break;
        }

        return builder.ToString();
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode mapping => ConvertMapping(mapping),
        YamlSequenceNode sequence => new JsonArray(sequence.Children.Select(Convert).ToArray()),
        YamlScalarNode scalar => ConvertScalar(scalar),
        _ => throw new YamlException(node.Start, node.End, $"unsupported YAML node {node.NodeType}"),
    };

    private static JsonObject ConvertMapping(YamlMappingNode mapping)
    {
        var result = new JsonObject();
        foreach (var (key, value) in mapping.Children)
        {
            // YamlDotNet already refuses a repeated key while loading (DuplicateKeyException, with its position).
            var name = key is YamlScalarNode { Value: { } text } ? text : throw new YamlException(key.Start, key.End, "mapping keys must be scalars");
            result[name] = Convert(value);
        }

        return result;
    }

    private static JsonNode? ConvertScalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? string.Empty;
        if (scalar.Style != ScalarStyle.Plain || (!scalar.Tag.IsEmpty && !scalar.Tag.IsNonSpecific && scalar.Tag.Value == "tag:yaml.org,2002:str"))
        {
            return JsonValue.Create(text);
        }

        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE":
                return JsonValue.Create(false);
        }

        if (Decimal().IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonValue.Create(integer);
        }

        if (Octal().IsMatch(text) && TryBase(text[2..], 8, out var octal))
        {
            return JsonValue.Create(octal);
        }

        if (Hexadecimal().IsMatch(text) && long.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex) && hex >= 0)
        {
            return JsonValue.Create(hex);
        }

        // .inf and .nan have no JSON form; like any other plain text they stay strings.
        return Float().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real)
            ? JsonValue.Create(real)
            : JsonValue.Create(text);
    }

    private static bool TryBase(string digits, int radix, out long value)
    {
        try
        {
            value = System.Convert.ToInt64(digits, radix);
            return value >= 0;
        }
        catch (OverflowException)
        {
            value = 0;
            return false;
        }
    }

    private static void WriteObject(StringBuilder builder, JsonObject obj, int indent, bool firstInline = false)
    {
        var first = true;
        foreach (var (key, value) in obj)
        {
            if (!(first && firstInline))
            {
                builder.Append(' ', indent);
            }

            first = false;
            builder.Append(IsPlain(key) ? key : Quote(key)).Append(':');
            switch (value)
            {
                case JsonObject { Count: > 0 } child:
                    builder.Append('\n');
                    WriteObject(builder, child, indent + 2);
                    break;
                case JsonArray { Count: > 0 } array:
                    builder.Append('\n');
                    WriteArray(builder, array, indent);
                    break;
                default:
                    builder.Append(' ').Append(Scalar(value)).Append('\n');
                    break;
            }
        }
    }

    private static void WriteArray(StringBuilder builder, JsonArray array, int indent)
    {
        foreach (var item in array)
        {
            builder.Append(' ', indent).Append('-');
            switch (item)
            {
                case JsonObject { Count: > 0 } obj:
                    builder.Append(' ');
                    WriteObject(builder, obj, indent + 2, firstInline: true);
                    break;
                case JsonArray { Count: > 0 } nested:
                    builder.Append('\n');
                    WriteArray(builder, nested, indent + 2);
                    break;
                default:
                    builder.Append(' ').Append(Scalar(item)).Append('\n');
                    break;
            }
        }
    }

    private static string Scalar(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return "null";
            case JsonObject:
                return "{}";
            case JsonArray:
                return "[]";
        }

        return node.GetValueKind() switch
        {
            JsonValueKind.String when node.GetValue<string>() is var text => IsPlain(text) ? text : Quote(text),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            JsonValueKind.Null => "null",
            _ => node.ToJsonString(),
        };
    }

    private static bool IsPlain(string text) =>
        text.Length > 0
        && !Reserved.Contains(text)
        && Plain().IsMatch(text)
        && !text.Contains(": ", StringComparison.Ordinal)
        && !text.Contains(" #", StringComparison.Ordinal)
        && !text.EndsWith(':')
        && !text.EndsWith(' ');

    // A JSON string literal is a YAML double-quoted scalar that reads back unchanged.
    private static string Quote(string text) => JsonSerializer.Serialize(text, Readable);

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex Decimal();

    [GeneratedRegex("^0o[0-7]+$")]
    private static partial Regex Octal();

    [GeneratedRegex("^0x[0-9a-fA-F]+$")]
    private static partial Regex Hexadecimal();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex Float();

    // Starts with a letter or '/' (so nothing numeric, date-like or a YAML indicator), then only characters never
    // special in a plain scalar here.
    [GeneratedRegex(@"^[A-Za-z_/][A-Za-z0-9_ ./:@+=,()-]*$")]
    private static partial Regex Plain();
}
