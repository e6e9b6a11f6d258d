using System.Text.Json;
using LlmKube.ControllerRuntime;

namespace LlmKube.Operator.Controllers;

/// <summary>
/// "Does the live object already say everything we want?" Every field of the desired object must be present
/// with an equal value in the live one; fields only the live object has (server defaults, a clusterIP,
/// labels others added) do not count. Lists must have the same length and match item by item. Null fields of the
/// desired object ask for nothing. Values compare by their JSON text, so a quantity written as 1 matches "1".
/// </summary>
/// <remarks>
/// Compared as read-only <see cref="JsonElement"/>s: every reconcile of a service whose children are cached runs this on
/// its Deployment, and the mutable JSON tree it used before built a dictionary for every object it visited.
/// </remarks>
public static class JsonSubset
{
    public static bool Contains(object? live, object? desired)
    {
        using var wanted = KubernetesJsonNodes.ToDocument(desired);
        using var have = KubernetesJsonNodes.ToDocument(live);
        return Contains(have.RootElement, wanted.RootElement);
    }

    /// <summary>Like <see cref="Contains(object, object)"/> for a whole object, leaving owner references out:
    /// ownership is checked on its own, and others may add owners of their own.</summary>
    public static bool ContainsObject(object live, object desired)
    {
        using var wanted = KubernetesJsonNodes.ToDocument(desired);
        using var have = KubernetesJsonNodes.ToDocument(live);
        return wanted.RootElement.ValueKind != JsonValueKind.Object
            ? Contains(have.RootElement, wanted.RootElement)
            : ContainsFields(have.RootElement, wanted.RootElement, Owners.InMetadata);
    }

    private enum Owners
    {
        Compared,
        InMetadata,
        LeftOut,
    }

    private static bool Contains(JsonElement live, JsonElement desired) => desired.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => true,
        JsonValueKind.Object => ContainsFields(live, desired, Owners.Compared),
        JsonValueKind.Array => live.ValueKind == JsonValueKind.Array
            && live.GetArrayLength() == desired.GetArrayLength()
            && live.EnumerateArray().Zip(desired.EnumerateArray()).All(pair => Contains(pair.First, pair.Second)),
        _ => live.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array or JsonValueKind.Null or JsonValueKind.Undefined)
            && (JsonElement.DeepEquals(live, desired) || Text(live) == Text(desired)),
    };

    /// <summary>Every non-null field of the object <paramref name="desired"/> is in <paramref name="live"/> with a contained value.</summary>
    private static bool ContainsFields(JsonElement live, JsonElement desired, Owners owners)
    {
        if (live.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        foreach (var field in desired.EnumerateObject())
        {
            if (field.Value.ValueKind is JsonValueKind.Null || (owners == Owners.LeftOut && field.NameEquals("ownerReferences")))
            {
                continue;
            }

            if (!live.TryGetProperty(field.Name, out var value))
            {
                return false;
            }

            var contained = owners == Owners.InMetadata && field.NameEquals("metadata") && field.Value.ValueKind == JsonValueKind.Object
                ? ContainsFields(value, field.Value, Owners.LeftOut)
                : Contains(value, field.Value);
            if (!contained)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A scalar's text: a string's value, any other value as written (true, 1, 1.5).</summary>
    private static string Text(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
}
