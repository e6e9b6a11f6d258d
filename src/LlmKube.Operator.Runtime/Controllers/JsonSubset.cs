using System.Text.Json.Nodes;
using LlmKube.ControllerRuntime;

namespace LlmKube.Operator.Controllers;

/// <summary>
/// "Does the live object already say everything we want?" Every field of the desired object must be present
/// with an equal value in the live one; fields only the live object has (server defaults, a clusterIP,
/// labels others added) do not count. Lists must have the same length and match item by item.
/// </summary>
public static class JsonSubset
{
    public static bool Contains(object live, object desired) =>
        Contains(KubernetesJsonNodes.ToNode(live), KubernetesJsonNodes.ToNode(desired));

    /// <summary>Like <see cref="Contains(object, object)"/> for a whole object, leaving owner references out:
    /// ownership is checked on its own, and others may add owners of their own.</summary>
    public static bool ContainsObject(object live, object desired)
    {
        var wanted = KubernetesJsonNodes.ToNode(desired);
        (wanted?["metadata"] as JsonObject)?.Remove("ownerReferences");
        return Contains(KubernetesJsonNodes.ToNode(live), wanted);
    }

    public static bool Contains(JsonNode? live, JsonNode? desired) => (live, desired) switch
    {
        (_, null) => true,
        (JsonObject l, JsonObject d) => d.All(kv => kv.Value is null || l.TryGetPropertyValue(kv.Key, out var value) && Contains(value, kv.Value)),
        (JsonArray l, JsonArray d) => l.Count == d.Count && l.Zip(d).All(pair => Contains(pair.First, pair.Second)),
        (JsonValue l, JsonValue d) => JsonNode.DeepEquals(l, d) || l.ToString() == d.ToString(),
        _ => false,
    };
}
