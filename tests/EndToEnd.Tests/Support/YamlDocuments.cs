using System.Text.Json;
using System.Text.Json.Nodes;
using LlmKube.Admission.Json;

namespace EndToEnd.Tests.Support;

/// <summary>Multi-document YAML (helm template, kustomize output) as JSON objects. Also compiled into Packaging.Tests.</summary>
internal static class YamlDocuments
{
    public static List<JsonObject> Parse(string yaml) => YamlJson.ParseAll(yaml).OfType<JsonObject>().Select(o => (JsonObject)WholeNumbers(o)!).ToList();

    /// <summary>The objects of a kind (and name, when given).</summary>
    public static IEnumerable<JsonObject> OfKind(this IEnumerable<JsonObject> objects, string kind, string? name = null) =>
        objects.Where(o => (string?)o["kind"] == kind && (name is null || (string?)o["metadata"]?["name"] == name));

    // 16384.0 and 16384 are the same number: kustomize re-serialises the one as the other.
    private static JsonNode? WholeNumbers(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj.Select(kv => KeyValuePair.Create(kv.Key, WholeNumbers(kv.Value)))),
        JsonArray array => new JsonArray([.. array.Select(WholeNumbers)]),
        JsonValue value when value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<double>(out var number)
            && number == Math.Floor(number) && Math.Abs(number) < 1e15 => JsonValue.Create((long)number),
        _ => node?.DeepClone(),
    };
}
