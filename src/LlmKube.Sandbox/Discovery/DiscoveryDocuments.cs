using System.Text.Json.Nodes;
using LlmKube.Sandbox.Json;
using LlmKube.Sandbox.Resources;

namespace LlmKube.Sandbox.Discovery;

/// <summary>The discovery documents: aggregated (<c>apidiscovery.k8s.io/v2</c>) and the legacy lists.</summary>
internal static class DiscoveryDocuments
{
    public const string AggregatedV2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
    public const string AggregatedV2Beta1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";

    private static readonly string[] SubresourceVerbs = ["get", "patch", "update"];

    /// <summary>The aggregated content type the Accept header asks for, or null for the legacy documents.</summary>
    public static string? AggregatedContentType(string accept)
    {
        if (!accept.Contains("as=APIGroupDiscoveryList", StringComparison.Ordinal))
        {
            return null;
        }

        var compact = accept.Replace(" ", string.Empty, StringComparison.Ordinal);
        return compact.Contains("v=v2;", StringComparison.Ordinal) || compact.Contains("v=v2,", StringComparison.Ordinal) || compact.EndsWith("v=v2", StringComparison.Ordinal)
            ? AggregatedV2
            : AggregatedV2Beta1;
    }

    /// <summary>Aggregated discovery for <c>/api</c> (core only) or <c>/apis</c> (every named group).</summary>
    public static JsonObject Aggregated(IReadOnlyList<ResourceType> all, bool core, string contentType)
    {
        var items = new JsonArray();
        foreach (var group in Groups(all, core))
        {
            var versions = new JsonArray();
            foreach (var version in group.Versions)
            {
                var resources = new JsonArray();
                foreach (var type in version.Types.OrderBy(t => t.Plural, StringComparer.Ordinal))
                {
                    resources.Add(AggregatedResource(type));
                }

                versions.Add(new JsonObject { ["version"] = version.Name, ["resources"] = resources, ["freshness"] = "Current" });
            }

            items.Add(new JsonObject { ["metadata"] = new JsonObject { ["name"] = group.Name, ["creationTimestamp"] = null }, ["versions"] = versions });
        }

        return new JsonObject
        {
            ["kind"] = "APIGroupDiscoveryList",
            ["apiVersion"] = contentType == AggregatedV2 ? "apidiscovery.k8s.io/v2" : "apidiscovery.k8s.io/v2beta1",
            ["metadata"] = new JsonObject(),
            ["items"] = items,
        };
    }

    private static JsonObject AggregatedResource(ResourceType type)
    {
        var resource = new JsonObject
        {
            ["resource"] = type.Plural,
            ["responseKind"] = Gvk(type.Group, type.Version, type.Kind),
            ["scope"] = type.Namespaced ? "Namespaced" : "Cluster",
            ["singularResource"] = type.Singular,
            ["verbs"] = JsonUtil.ToArray(type.Verbs),
        };
        if (type.ShortNames.Count > 0)
        {
            resource["shortNames"] = JsonUtil.ToArray(type.ShortNames);
        }

        if (type.Categories.Count > 0)
        {
            resource["categories"] = JsonUtil.ToArray(type.Categories);
        }

        var subresources = new JsonArray();
        if (type.StatusSubresource)
        {
            subresources.Add(new JsonObject { ["subresource"] = "status", ["responseKind"] = Gvk(type.Group, type.Version, type.Kind), ["verbs"] = JsonUtil.ToArray(SubresourceVerbs) });
        }

        if (type.Scale is not null)
        {
            subresources.Add(new JsonObject { ["subresource"] = "scale", ["responseKind"] = Gvk("autoscaling", "v1", "Scale"), ["verbs"] = JsonUtil.ToArray(SubresourceVerbs) });
        }

        if (subresources.Count > 0)
        {
            resource["subresources"] = subresources;
        }

        return resource;
    }

    public static JsonObject ApiVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    public static JsonObject GroupList(IReadOnlyList<ResourceType> all)
    {
        var groups = new JsonArray();
        foreach (var group in Groups(all, core: false))
        {
            groups.Add(Group(group));
        }

        return new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = groups };
    }

    public static JsonObject? Group(IReadOnlyList<ResourceType> all, string name) =>
        Groups(all, core: false).FirstOrDefault(g => g.Name == name) is { } group ? Group(group) : null;

    private static JsonObject Group(GroupInfo group)
    {
        var versions = new JsonArray();
        foreach (var version in group.Versions)
        {
            versions.Add(new JsonObject { ["groupVersion"] = $"{group.Name}/{version.Name}", ["version"] = version.Name });
        }

        var preferred = group.Versions[0].Name;
        return new JsonObject
        {
            ["kind"] = "APIGroup",
            ["apiVersion"] = "v1",
            ["name"] = group.Name,
            ["versions"] = versions,
            ["preferredVersion"] = new JsonObject { ["groupVersion"] = $"{group.Name}/{preferred}", ["version"] = preferred },
        };
    }

    /// <summary>The legacy <c>APIResourceList</c> of one group/version, subresources included.</summary>
    public static JsonObject? ResourceList(IReadOnlyList<ResourceType> all, string group, string version)
    {
        var types = all.Where(t => t.Group == group && t.Version == version).OrderBy(t => t.Plural, StringComparer.Ordinal).ToList();
        if (types.Count == 0)
        {
            return null;
        }

        var resources = new JsonArray();
        foreach (var type in types)
        {
            var entry = new JsonObject
            {
                ["name"] = type.Plural,
                ["singularName"] = type.Singular,
                ["namespaced"] = type.Namespaced,
                ["kind"] = type.Kind,
                ["verbs"] = JsonUtil.ToArray(type.Verbs),
            };
            if (type.ShortNames.Count > 0)
            {
                entry["shortNames"] = JsonUtil.ToArray(type.ShortNames);
            }

            if (type.Categories.Count > 0)
            {
                entry["categories"] = JsonUtil.ToArray(type.Categories);
            }

            resources.Add(entry);
            if (type.StatusSubresource)
            {
                resources.Add(new JsonObject { ["name"] = $"{type.Plural}/status", ["singularName"] = string.Empty, ["namespaced"] = type.Namespaced, ["kind"] = type.Kind, ["verbs"] = JsonUtil.ToArray(SubresourceVerbs) });
            }

            if (type.Scale is not null)
            {
                resources.Add(new JsonObject { ["name"] = $"{type.Plural}/scale", ["singularName"] = string.Empty, ["namespaced"] = type.Namespaced, ["group"] = "autoscaling", ["version"] = "v1", ["kind"] = "Scale", ["verbs"] = JsonUtil.ToArray(SubresourceVerbs) });
            }
        }

        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = resources,
        };
    }

    private static JsonObject Gvk(string group, string version, string kind) => new() { ["group"] = group, ["version"] = version, ["kind"] = kind };

    private sealed record VersionInfo(string Name, IReadOnlyList<ResourceType> Types);

    private sealed record GroupInfo(string Name, IReadOnlyList<VersionInfo> Versions);

    private static List<GroupInfo> Groups(IReadOnlyList<ResourceType> all, bool core) =>
        all.Where(t => (t.Group.Length == 0) == core)
            .GroupBy(t => t.Group)
            .OrderBy(g => g.Key.Contains('.', StringComparison.Ordinal) && !g.Key.EndsWith(".k8s.io", StringComparison.Ordinal) ? 1 : 0)
            .ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new GroupInfo(
                g.Key,
                g.GroupBy(t => t.Version)
                    .OrderBy(v => v.Key, VersionOrder.Instance)
                    .Select(v => new VersionInfo(v.Key, v.ToList()))
                    .ToList()))
            .ToList();

    public static JsonObject Version(string gitVersion, DateTimeOffset buildDate)
    {
        var core = gitVersion.TrimStart('v').Split('.', '-', '+');
        return new JsonObject
        {
            ["major"] = core.Length > 0 ? core[0] : "1",
            ["minor"] = core.Length > 1 ? core[1] : "32",
            ["gitVersion"] = gitVersion,
            ["gitCommit"] = "0000000000000000000000000000000000000000",
            ["gitTreeState"] = "clean",
            ["buildDate"] = JsonUtil.Timestamp(buildDate),
            ["goVersion"] = "go1.23.0",
            ["compiler"] = "gc",
            ["platform"] = "linux/amd64",
        };
    }
}
