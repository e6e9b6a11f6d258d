using System.Text.Json.Nodes;
using EndToEnd.Tests.Support;

namespace Packaging.Tests;

/// <summary>Questions about rendered manifests.</summary>
internal static class Rendered
{
    /// <summary>Every (group, resource, verb, resourceName) a Role or ClusterRole grants, one entry per combination.</summary>
    public static SortedSet<string> Grants(JsonObject role)
    {
        var grants = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var rule in (role["rules"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var names = Strings(rule["resourceNames"]);
            foreach (var group in Strings(rule["apiGroups"]))
            {
                foreach (var resource in Strings(rule["resources"]))
                {
                    foreach (var verb in Strings(rule["verbs"]))
                    {
                        foreach (var name in names.Count == 0 ? [null] : names.Select(n => (string?)n))
                        {
                            grants.Add(new Permission(group, resource, verb, PermissionScope.Watched, "", "", name).Key);
                        }
                    }
                }
            }
        }

        return grants;
    }

    public static SortedSet<string> Keys(IEnumerable<Permission> permissions) => new(permissions.Select(p => p.Key), StringComparer.Ordinal);

    public static List<string> Strings(JsonNode? node) => (node as JsonArray ?? []).Select(n => (string?)n ?? string.Empty).ToList();

    /// <summary>The operator container's args.</summary>
    public static List<string> Args(IEnumerable<JsonObject> objects) => Strings(Container(objects)["args"]);

    public static JsonObject Container(IEnumerable<JsonObject> objects) =>
        (JsonObject)objects.OfKind("Deployment", "llmkube-operator").Single()["spec"]!["template"]!["spec"]!["containers"]![0]!;

    public static JsonObject PodSpec(IEnumerable<JsonObject> objects) =>
        (JsonObject)objects.OfKind("Deployment", "llmkube-operator").Single()["spec"]!["template"]!["spec"]!;

    public static string Describe(IEnumerable<string> keys) => string.Join(", ", keys);
}
