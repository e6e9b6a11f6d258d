namespace LlmKube.Sandbox.Http;

/// <summary>A Kubernetes resource request decoded from its URL and method.</summary>
internal sealed record ResourceRequest(string Verb, string Group, string Version, string Resource, string Subresource, string Namespace, string Name)
{
    /// <summary>Parses <c>/api/v1/...</c> and <c>/apis/{group}/{version}/...</c>; null when the path is not a resource path.</summary>
    public static ResourceRequest? Parse(string method, string path, bool watch)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        string group;
        string version;
        string[] rest;
        if (parts.Length >= 3 && parts[0] == "api")
        {
            group = string.Empty;
            version = parts[1];
            rest = parts[2..];
        }
        else if (parts.Length >= 4 && parts[0] == "apis")
        {
            group = parts[1];
            version = parts[2];
            rest = parts[3..];
        }
        else
        {
            return null;
        }

        string ns = string.Empty, resource, name = string.Empty, subresource = string.Empty;
        if (rest[0] == "namespaces" && rest.Length >= 3 && rest[2] is not ("status" or "finalize"))
        {
            ns = rest[1];
            resource = rest[2];
            rest = rest[3..];
        }
        else
        {
            resource = rest[0];
            rest = rest[1..];
        }

        if (rest.Length > 2)
        {
            return null;
        }

        if (rest.Length >= 1)
        {
            name = rest[0];
        }

        if (rest.Length == 2)
        {
            subresource = rest[1];
        }

        var verb = method.ToUpperInvariant() switch
        {
            "GET" or "HEAD" when watch => "watch",
            "GET" or "HEAD" => name.Length == 0 ? "list" : "get",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => name.Length == 0 ? "deletecollection" : "delete",
            _ => "unknown",
        };
        return new ResourceRequest(verb, group, version, resource, subresource, ns, name);
    }
}
