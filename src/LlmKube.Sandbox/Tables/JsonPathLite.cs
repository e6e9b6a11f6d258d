using System.Globalization;
using System.Text.Json.Nodes;
using LlmKube.Sandbox.Json;

namespace LlmKube.Sandbox.Tables;

/// <summary>
/// The JSONPath subset CRD printer columns and scale subresources use: <c>.a.b</c>, <c>.a[0]</c>, <c>.a[*].b</c>
/// and filters <c>.a[?(@.type=="Ready")].status</c> (with <c>==</c> or <c>!=</c>).
/// </summary>
internal static class JsonPathLite
{
    public static IReadOnlyList<JsonNode?> Evaluate(JsonNode? root, string path)
    {
        var current = new List<JsonNode?> { root };
        var text = path.Trim();
        if (text.StartsWith('{') && text.EndsWith('}'))
        {
            text = text[1..^1];
        }

        if (text.StartsWith('$'))
        {
            text = text[1..];
        }

        var i = 0;
        while (i < text.Length && current.Count > 0)
        {
            if (text[i] == '.')
            {
                i++;
                var start = i;
                while (i < text.Length && text[i] != '.' && text[i] != '[')
                {
                    i++;
                }

                var name = text[start..i];
                if (name.Length > 0)
                {
                    current = current.Select(n => (n as JsonObject)?[name]).Where(n => n is not null).ToList();
                }
            }
            else if (text[i] == '[')
            {
                var end = FindClose(text, i);
                var inner = text[(i + 1)..end];
                i = end + 1;
                current = Select(current, inner);
            }
            else
            {
                break;
            }
        }

        return current;
    }

    /// <summary>A simple field path (<c>.spec.replicas</c>) as its segments.</summary>
    public static string[] Segments(string path) => path.TrimStart('.').Split('.', StringSplitOptions.RemoveEmptyEntries);

    private static int FindClose(string text, int open)
    {
        var depth = 0;
        var quote = '\0';
        for (var i = open; i < text.Length; i++)
        {
            var c = text[i];
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }

                continue;
            }

            switch (c)
            {
                case '"' or '\'':
                    quote = c;
                    break;
                case '[':
                    depth++;
                    break;
                case ']':
                    depth--;
                    if (depth == 0)
                    {
                        return i;
                    }

                    break;
            }
        }

        return text.Length - 1;
    }

    private static List<JsonNode?> Select(List<JsonNode?> nodes, string inner)
    {
        var result = new List<JsonNode?>();
        foreach (var node in nodes)
        {
            if (node is not JsonArray array)
            {
                if (node is JsonObject obj && inner.Trim('\'', '"') is var key && obj.ContainsKey(key))
                {
                    result.Add(obj[key]);
                }

                continue;
            }

            if (inner == "*")
            {
                result.AddRange(array);
            }
            else if (int.TryParse(inner, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var index))
            {
                if (index < 0)
                {
                    index += array.Count;
                }

                if (index >= 0 && index < array.Count)
                {
                    result.Add(array[index]);
                }
            }
            else if (inner.StartsWith("?(", StringComparison.Ordinal) && inner.EndsWith(')'))
            {
                var filter = inner[2..^1];
                result.AddRange(array.Where(item => Filter(item, filter)));
            }
        }

        return result;
    }

    private static bool Filter(JsonNode? item, string filter)
    {
        var negate = filter.Contains("!=", StringComparison.Ordinal);
        var parts = filter.Split(negate ? "!=" : "==", 2, StringSplitOptions.TrimEntries);
        if (parts.Length != 2 || !parts[0].StartsWith('@'))
        {
            return false;
        }

        var left = Evaluate(item, parts[0][1..]).FirstOrDefault();
        var right = parts[1].Trim('"', '\'');
        var actual = left is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String ? v.GetValue<string>() : JsonUtil.ToText(left);
        return (actual == right) != negate;
    }
}
