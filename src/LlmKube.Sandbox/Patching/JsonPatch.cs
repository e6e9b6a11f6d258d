using System.Globalization;
using System.Text.Json.Nodes;
using LlmKube.Sandbox.Api;

namespace LlmKube.Sandbox.Patching;

/// <summary>RFC 6902 JSON patch. A malformed patch is 400; an operation that does not apply is 422, as in the API server.</summary>
internal static class JsonPatch
{
    public static JsonNode? Apply(JsonNode document, JsonNode? patch)
    {
        if (patch is not JsonArray operations)
        {
            throw ApiException.BadRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
        }

        var root = new JsonObject { ["doc"] = document };
        foreach (var item in operations)
        {
            if (item is not JsonObject operation)
            {
                throw ApiException.BadRequest("json: cannot unmarshal into Go value of type jsonpatch.Operation");
            }

            var op = (string?)operation["op"] ?? throw ApiException.BadRequest("missing op");
            var path = (string?)operation["path"] ?? throw Fail($"{op} operation: missing path");
            switch (op)
            {
                case "add":
                    Add(root, path, Value(operation, op));
                    break;
                case "remove":
                    Remove(root, path, op);
                    break;
                case "replace":
                    Remove(root, path, op);
                    Add(root, path, Value(operation, op));
                    break;
                case "move":
                    {
                        var from = (string?)operation["from"] ?? throw Fail("move operation: missing from");
                        var moved = Remove(root, from, op);
                        Add(root, path, moved);
                        break;
                    }

                case "copy":
                    {
                        var from = (string?)operation["from"] ?? throw Fail("copy operation: missing from");
                        Add(root, path, Get(root, from, op)?.DeepClone());
                        break;
                    }

                case "test":
                    {
                        var actual = Get(root, path, op);
                        if (!JsonNode.DeepEquals(actual, operation["value"]))
                        {
                            throw Fail($"testing value {path} failed: test failed");
                        }

                        break;
                    }

                default:
                    throw ApiException.BadRequest($"Unexpected kind: {op}");
            }
        }

        var result = root["doc"];
        root.Remove("doc");
        return result;
    }

    private static JsonNode? Value(JsonObject operation, string op) =>
        operation.TryGetPropertyValue("value", out var value)
            ? value?.DeepClone()
            : throw ApiException.BadRequest($"{op} operation: missing value");

    private static ApiException Fail(string message) => ApiException.Unprocessable(message);

    private static List<string> Tokens(string pointer)
    {
        if (pointer.Length == 0)
        {
            return [];
        }

        if (pointer[0] != '/')
        {
            throw Fail($"invalid JSON pointer: \"{pointer}\"");
        }

        return pointer[1..].Split('/').Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToList();
    }

    private static (JsonNode Parent, string Token) Locate(JsonObject root, string pointer, string op)
    {
        var tokens = Tokens(pointer);
        tokens.Insert(0, "doc");
        JsonNode current = root;
        for (var i = 0; i < tokens.Count - 1; i++)
        {
            current = Child(current, tokens[i]) ?? throw Fail($"{op} operation does not apply: doc is missing path: \"{pointer}\": missing value");
        }

        return (current, tokens[^1]);
    }

    private static JsonNode? Child(JsonNode node, string token) => node switch
    {
        JsonObject obj => obj[token],
        JsonArray array when int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < array.Count => array[i],
        _ => null,
    };

    private static JsonNode? Get(JsonObject root, string pointer, string op)
    {
        var (parent, token) = Locate(root, pointer, op);
        return parent switch
        {
            JsonObject obj when obj.TryGetPropertyValue(token, out var value) => value,
            JsonArray array when int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < array.Count => array[i],
            _ => throw Fail($"{op} operation does not apply: doc is missing path: \"{pointer}\": missing value"),
        };
    }

    private static void Add(JsonObject root, string pointer, JsonNode? value)
    {
        var (parent, token) = Locate(root, pointer, "add");
        switch (parent)
        {
            case JsonObject obj:
                obj[token] = value;
                break;
            case JsonArray array when token == "-":
                array.Add(value);
                break;
            case JsonArray array when int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i <= array.Count:
                array.Insert(i, value);
                break;
            default:
                throw Fail($"add operation does not apply: doc is missing path: \"{pointer}\": missing value");
        }
    }

    private static JsonNode? Remove(JsonObject root, string pointer, string op)
    {
        var (parent, token) = Locate(root, pointer, op);
        switch (parent)
        {
            case JsonObject obj when obj.TryGetPropertyValue(token, out var value):
                obj.Remove(token);
                return value;
            case JsonArray array when int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < array.Count:
                var item = array[i];
                array.RemoveAt(i);
                return item;
            default:
                throw Fail($"{op} operation does not apply: doc is missing key: {pointer}: missing value");
        }
    }
}
