using System.Text.Json.Nodes;

namespace LlmKube.ControllerRuntime;

/// <summary>JSON merge patch (RFC 7386) computation; the API server (and the sandbox's JsonMergePatch) applies them.</summary>
public static class JsonMergePatch
{
    /// <summary>
    /// The merge patch that turns <paramref name="original"/> into <paramref name="modified"/>, or null when they
    /// are equal. Keys missing from <paramref name="modified"/> become <c>null</c> (delete); objects are diffed
    /// recursively; arrays and scalars that differ are replaced whole (merge patch cannot address array items).
    /// </summary>
    public static JsonObject? Diff(JsonObject? original, JsonObject? modified)
    {
        original ??= [];
        modified ??= [];
        var patch = new JsonObject();
        foreach (var (name, before) in original)
        {
            if (!modified.ContainsKey(name))
            {
                patch[name] = null;
                continue;
            }

            var after = modified[name];
            if (JsonNode.DeepEquals(before, after))
            {
                continue;
            }

            if (before is JsonObject bo && after is JsonObject ao)
            {
                var sub = Diff(bo, ao);
                if (sub != null)
                {
                    patch[name] = sub;
                }
            }
            else
            {
                patch[name] = after?.DeepClone();
            }
        }

        foreach (var (name, after) in modified)
        {
            if (!original.ContainsKey(name))
            {
                patch[name] = after?.DeepClone();
            }
        }

        return patch.Count == 0 ? null : patch;
    }
}
