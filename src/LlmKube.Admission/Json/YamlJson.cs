using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace LlmKube.Admission.Json;

/// <summary>Converts YAML (the YAML 1.2 core schema, which is what Kubernetes accepts) to <see cref="JsonNode"/>.</summary>
public static class YamlJson
{
    /// <summary>Every non-empty document of a multi-document YAML text.</summary>
    public static IReadOnlyList<JsonNode> ParseAll(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        var result = new List<JsonNode>();
        foreach (var document in stream.Documents)
        {
            var node = Convert(document.RootNode);
            if (node is not null)
            {
                result.Add(node);
            }
        }

        return result;
    }

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

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode mapping => ConvertMapping(mapping),
        YamlSequenceNode sequence => ConvertSequence(sequence),
        YamlScalarNode scalar => ConvertScalar(scalar),
        _ => null,
    };

    private static JsonObject ConvertMapping(YamlMappingNode mapping)
    {
        var obj = new JsonObject();
        foreach (var (key, value) in mapping.Children)
        {
            var name = key is YamlScalarNode s ? s.Value ?? string.Empty : key.ToString();
            obj[name] = Convert(value);
        }

        return obj;
    }

    private static JsonArray ConvertSequence(YamlSequenceNode sequence)
    {
        var array = new JsonArray();
        foreach (var child in sequence.Children)
        {
            array.Add(Convert(child));
        }

        return array;
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

        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonValue.Create(integer);
        }

        if (text.StartsWith("0x", StringComparison.Ordinal) &&
            long.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
        {
            return JsonValue.Create(hex);
        }

        if (LooksLikeFloat(text) &&
            double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real))
        {
            return JsonValue.Create(real);
        }

        return JsonValue.Create(text);
    }

    private static bool LooksLikeFloat(string text)
    {
        // YAML 1.2 core: [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
        var i = 0;
        if (i < text.Length && text[i] is '+' or '-')
        {
            i++;
        }

        var digits = 0;
        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            i++;
            digits++;
        }

        if (i < text.Length && text[i] == '.')
        {
            i++;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
                digits++;
            }
        }

        if (digits == 0)
        {
            return false;
        }

        if (i < text.Length && text[i] is 'e' or 'E')
        {
            i++;
            if (i < text.Length && text[i] is '+' or '-')
            {
                i++;
            }

            var exp = 0;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
                exp++;
            }

            if (exp == 0)
            {
                return false;
            }
        }

        return i == text.Length;
    }
}
