namespace LlmKube.Sandbox.Rbac;

/// <summary>
/// What a request asks to do, in RBAC terms: a resource request (verb, group, resource, subresource, namespace,
/// name) or, when <see cref="Path"/> is set, a non-resource request (verb = the lowercase HTTP method).
/// </summary>
internal sealed record RequestAttributes(string Verb, string Group, string Resource, string Subresource, string Namespace, string Name)
{
    /// <summary>The URL path of a non-resource request (<c>/api</c>, <c>/version</c>, …); null for resource requests.</summary>
    public string? Path { get; init; }

    public bool IsResourceRequest => Path is null;

    public static RequestAttributes NonResource(string verb, string path) =>
        new(verb, string.Empty, string.Empty, string.Empty, string.Empty, string.Empty) { Path = path };

    /// <summary>The real API server's 403 message for a denied request.</summary>
    public string ForbiddenMessage(UserInfo user)
    {
        if (!IsResourceRequest)
        {
            return $"forbidden: User \"{user.Name}\" cannot {Verb} path \"{Path}\"";
        }

        var resource = Subresource.Length > 0 ? $"{Resource}/{Subresource}" : Resource;
        var scope = Namespace.Length > 0 ? $"in the namespace \"{Namespace}\"" : "at the cluster scope";
        var groupResource = Group.Length == 0 ? Resource : $"{Resource}.{Group}";
        var subject = Name.Length > 0 ? $"{groupResource} \"{Name}\"" : groupResource;
        return $"{subject} is forbidden: User \"{user.Name}\" cannot {Verb} resource \"{resource}\" in API group \"{Group}\" {scope}";
    }
}
