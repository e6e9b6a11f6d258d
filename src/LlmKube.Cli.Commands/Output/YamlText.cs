using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace LlmKube.Cli.Output;

/// <summary>
/// Block-style YAML for a JSON document, in kubectl's layout (sequence items at their key's indentation).
/// Strings that YAML could read as something else (numbers, booleans, null, or with special characters) are
/// written as JSON double-quoted strings, which YAML reads back unchanged.
/// </summary>
internal static partial class YamlText
{
    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~",
    };

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
            builder.Append(Key(key)).Append(':');
            WriteValue(builder, value, indent, childIndent: indent + 2, sequenceIndent: indent);
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

    private static void WriteValue(StringBuilder builder, JsonNode? value, int indent, int childIndent, int sequenceIndent)
    {
        _ = indent;
        switch (value)
        {
            case JsonObject { Count: > 0 } obj:
                builder.Append('\n');
                WriteObject(builder, obj, childIndent);
                break;
            case JsonArray { Count: > 0 } array:
                builder.Append('\n');
                WriteArray(builder, array, sequenceIndent);
                break;
            default:
                builder.Append(' ').Append(Scalar(value)).Append('\n');
                break;
        }
    }

    private static string Key(string key) => IsPlain(key) ? key : Quote(key);

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

        switch (node.GetValueKind())
        {
            case JsonValueKind.String:
                var text = node.GetValue<string>();
                return IsPlain(text) ? text : Quote(text);
            case JsonValueKind.True:
                return "true";
            case JsonValueKind.False:
                return "false";
            case JsonValueKind.Null:
                return "null";
            default:
                return node.ToJsonString();
        }
    }

    private static bool IsPlain(string text) =>
        text.Length > 0
        && !Reserved.Contains(text)
        && Plain().IsMatch(text)
        && !text.Contains(": ", StringComparison.Ordinal)
        && !text.Contains(" #", StringComparison.Ordinal)
        && !text.EndsWith(':')
        && !text.EndsWith(' ');

    private static string Quote(string text) => JsonSerializer.Serialize(text, Documents.Readable);

    // Starts with a letter or '/' (so nothing numeric or date-like), then only characters never special in a plain scalar here.
    [GeneratedRegex(@"^[A-Za-z_/][A-Za-z0-9_ ./:@+=,()-]*$")]
    private static partial Regex Plain();
}
