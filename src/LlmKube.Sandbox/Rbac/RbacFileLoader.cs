using System.Text.Json.Nodes;
using LlmKube.Sandbox.Api;
using LlmKube.Sandbox.Json;

namespace LlmKube.Sandbox.Rbac;

/// <summary>
/// Loads ClusterRoles, ClusterRoleBindings, Roles and RoleBindings from YAML files (other kinds are skipped,
/// so <c>helm template</c> output can be given whole) and creates them. A role that no binding in the files
/// refers to is bound to the configured user.
/// </summary>
internal static class RbacFileLoader
{
    private const string Group = "rbac.authorization.k8s.io";
    private static readonly string[] Kinds = ["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"];

    public static int Load(ResourceService service, IEnumerable<string> files, string? user)
    {
        var objects = new List<JsonObject>();
        foreach (var file in files)
        {
            foreach (var document in YamlJson.ParseAll(File.ReadAllText(file)))
            {
                Collect(document, objects);
            }
        }

        var referenced = objects.Where(o => JsonUtil.String(o, "kind")!.EndsWith("Binding", StringComparison.Ordinal))
            .Select(o => (JsonUtil.String(o, "roleRef", "kind"), JsonUtil.String(o, "roleRef", "name"), JsonUtil.String(o, "metadata", "namespace") ?? string.Empty))
            .ToList();
        if (!string.IsNullOrEmpty(user))
        {
            foreach (var role in objects.Where(o => JsonUtil.String(o, "kind") is "ClusterRole" or "Role").ToList())
            {
                var kind = JsonUtil.String(role, "kind")!;
                var name = JsonUtil.String(role, "metadata", "name") ?? string.Empty;
                var ns = JsonUtil.String(role, "metadata", "namespace") ?? "default";
                var bound = referenced.Any(r => r.Item1 == kind && r.Item2 == name && (kind == "ClusterRole" || r.Item3 == ns));
                if (!bound)
                {
                    objects.Add(Binding(kind, name, ns, user));
                }
            }
        }

        var count = 0;
        foreach (var obj in objects)
        {
            Apply(service, obj);
            count++;
        }

        return count;
    }

    private static void Collect(JsonNode document, List<JsonObject> into)
    {
        if (document is not JsonObject obj)
        {
            return;
        }

        if (JsonUtil.String(obj, "kind") == "List" && obj["items"] is JsonArray items)
        {
            foreach (var item in items.OfType<JsonObject>())
            {
                Collect(item, into);
            }

            return;
        }

        if (Kinds.Contains(JsonUtil.String(obj, "kind")) && (JsonUtil.String(obj, "apiVersion") ?? string.Empty).StartsWith(Group, StringComparison.Ordinal))
        {
            into.Add(obj);
        }
    }

    private static JsonObject Binding(string roleKind, string roleName, string ns, string user)
    {
        var cluster = roleKind == "ClusterRole";
        var metadata = new JsonObject { ["name"] = $"sandbox-rbac-{roleName.Replace(':', '-')}" };
        if (!cluster)
        {
            metadata["namespace"] = ns;
        }

        return new JsonObject
        {
            ["apiVersion"] = $"{Group}/v1",
            ["kind"] = cluster ? "ClusterRoleBinding" : "RoleBinding",
            ["metadata"] = metadata,
            ["roleRef"] = new JsonObject { ["apiGroup"] = Group, ["kind"] = roleKind, ["name"] = roleName },
            ["subjects"] = new JsonArray(new JsonObject { ["apiGroup"] = Group, ["kind"] = "User", ["name"] = user }),
        };
    }

    private static void Apply(ResourceService service, JsonObject obj)
    {
        var kind = JsonUtil.String(obj, "kind")!;
        var plural = kind.ToLowerInvariant() + "s";
        var type = service.Registry.Find(Group, "v1", plural)!;
        var ns = type.Namespaced ? JsonUtil.String(obj, "metadata", "namespace") ?? "default" : string.Empty;
        if (type.Namespaced)
        {
            EnsureNamespace(service, ns);
        }

        obj["apiVersion"] = $"{Group}/v1";
        var name = JsonUtil.String(obj, "metadata", "name") ?? string.Empty;
        var context = new WriteContext { User = UserInfo.AdminName };
        if (service.Find(type, ns, name) is null)
        {
            service.Create(type, ns, obj, context);
        }
        else
        {
            service.Update(type, ns, name, obj, context, Subresource.None);
        }
    }

    public static void EnsureNamespace(ResourceService service, string ns)
    {
        var namespaces = service.Registry.Find(string.Empty, "v1", "namespaces")!;
        if (service.Find(namespaces, string.Empty, ns) is null)
        {
            service.Create(namespaces, string.Empty, new JsonObject { ["metadata"] = new JsonObject { ["name"] = ns } }, new WriteContext { User = UserInfo.AdminName });
        }
    }
}
