using System.Text.Json.Nodes;
using LlmKube.Sandbox.Admission;
using LlmKube.Sandbox.Json;
using LlmKube.Sandbox.Resources;
using LlmKube.Sandbox.Storage;

namespace LlmKube.Sandbox.Rbac;

/// <summary>
/// The authorisation decision for every request. Without enforcement everybody may do anything (an
/// AlwaysAllow authorizer). With it, <c>system:masters</c> is always allowed, then the bootstrap policy every
/// cluster has (<see cref="BootstrapPolicy"/>), then the RBAC objects stored in the sandbox: ClusterRoleBindings
/// grant their ClusterRole everywhere, RoleBindings grant a Role or ClusterRole in their namespace. Subjects of
/// kind User, Group and ServiceAccount; verbs, apiGroups, resources (with <c>resource/subresource</c> and
/// wildcards), resourceNames and nonResourceURLs (ClusterRoleBindings only); aggregated ClusterRoles are followed.
/// </summary>
internal sealed class RbacAuthorizer
{
    private const string Group = "rbac.authorization.k8s.io";
    private readonly ObjectStore _store;
    private readonly BootstrapPolicy _bootstrap = new();

    public RbacAuthorizer(ObjectStore store, bool enforce)
    {
        _store = store;
        Enforced = enforce;
    }

    public bool Enforced { get; }

    public bool Allows(UserInfo user, RequestAttributes request)
    {
        if (!Enforced || user.IsAdmin || _bootstrap.Allows(user, request))
        {
            return true;
        }

        foreach (var binding in Items("clusterrolebindings", null))
        {
            if (Binds(binding.Object, user, string.Empty) && RoleRules(binding.Object, string.Empty).Any(r => Matches(r, request)))
            {
                return true;
            }
        }

        if (request.Namespace.Length == 0 || !request.IsResourceRequest)
        {
            return false;
        }

        foreach (var binding in Items("rolebindings", request.Namespace))
        {
            if (Binds(binding.Object, user, request.Namespace) && RoleRules(binding.Object, request.Namespace).Any(r => Matches(r, request)))
            {
                return true;
            }
        }

        return false;
    }

    private IReadOnlyList<StoredObject> Items(string plural, string? ns) =>
        _store.List($"{Group}/{plural}", ns, null, 0, null).Items;

    private static bool Binds(JsonObject binding, UserInfo user, string bindingNamespace)
    {
        foreach (var subject in (JsonUtil.Array(binding, "subjects") ?? []).OfType<JsonObject>())
        {
            var name = JsonUtil.String(subject, "name") ?? string.Empty;
            switch (JsonUtil.String(subject, "kind"))
            {
                case "User" when name == user.Name:
                case "Group" when user.Groups.Contains(name):
                    return true;
                case "ServiceAccount":
                    var ns = JsonUtil.String(subject, "namespace") is { Length: > 0 } given ? given : bindingNamespace;
                    if (user.Name == ServiceAccountName.Of(ns, name))
                    {
                        return true;
                    }

                    break;
            }
        }

        return false;
    }

    private IEnumerable<JsonObject> RoleRules(JsonObject binding, string bindingNamespace)
    {
        var kind = JsonUtil.String(binding, "roleRef", "kind");
        var name = JsonUtil.String(binding, "roleRef", "name") ?? string.Empty;
        var role = kind == "Role"
            ? _store.Get($"{Group}/roles", bindingNamespace, name)
            : _store.Get($"{Group}/clusterroles", string.Empty, name);
        if (role is null)
        {
            return [];
        }

        return Rules(role.Object, kind == "ClusterRole", depth: 0);
    }

    private IEnumerable<JsonObject> Rules(JsonObject role, bool cluster, int depth)
    {
        foreach (var rule in (JsonUtil.Array(role, "rules") ?? []).OfType<JsonObject>())
        {
            yield return rule;
        }

        if (!cluster || depth > 2 || JsonUtil.Array(role, "aggregationRule", "clusterRoleSelectors") is not { } selectors)
        {
            yield break;
        }

        var parsed = selectors.OfType<JsonObject>().Select(BuiltinValidation.LabelSelectorFrom).ToList();
        foreach (var other in Items("clusterroles", null))
        {
            if (parsed.Any(s => s.Matches(other.Labels)) && !ReferenceEquals(other.Object, role))
            {
                foreach (var rule in Rules(other.Object, cluster, depth + 1))
                {
                    yield return rule;
                }
            }
        }
    }

    /// <summary>Whether one PolicyRule grants the request.</summary>
    public static bool Matches(JsonObject rule, RequestAttributes request)
    {
        var verbs = JsonUtil.StringList(rule["verbs"]);
        if (!verbs.Contains("*") && !verbs.Contains(request.Verb))
        {
            return false;
        }

        if (!request.IsResourceRequest)
        {
            var path = request.Path!;
            return JsonUtil.StringList(rule["nonResourceURLs"]).Any(u => u == "*" || u == path || (u.EndsWith('*') && path.StartsWith(u[..^1], StringComparison.Ordinal)));
        }

        var groups = JsonUtil.StringList(rule["apiGroups"]);
        if (!groups.Contains("*") && !groups.Contains(request.Group))
        {
            return false;
        }

        var resources = JsonUtil.StringList(rule["resources"]);
        var combined = request.Subresource.Length > 0 ? $"{request.Resource}/{request.Subresource}" : request.Resource;
        var resourceOk = resources.Any(r =>
            r == "*" ||
            r == combined ||
            (request.Subresource.Length > 0 && (r == $"*/{request.Subresource}" || r == $"{request.Resource}/*")));
        if (!resourceOk)
        {
            return false;
        }

        var names = JsonUtil.StringList(rule["resourceNames"]);
        return names.Count == 0 || (request.Name.Length > 0 && names.Contains(request.Name));
    }
}
