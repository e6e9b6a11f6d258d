namespace LlmKube.ControllerRuntime;

/// <summary>
/// Describes a Kubernetes resource type: where it lives in the API and what it is called.
/// </summary>
/// <param name="Group">API group, empty for the core group (<c>v1</c>).</param>
/// <param name="Version">API version within the group, e.g. <c>v1</c> or <c>v1alpha1</c>.</param>
/// <param name="Plural">Plural resource name used in URLs, e.g. <c>deployments</c>.</param>
/// <param name="Kind">The object kind, e.g. <c>Deployment</c>.</param>
/// <param name="Namespaced">Whether objects live in namespaces.</param>
public sealed record ApiResource(string Group, string Version, string Plural, string Kind, bool Namespaced = true)
{
    /// <summary><c>group/version</c>, or just the version for the core group.</summary>
    public string ApiVersion => string.IsNullOrEmpty(Group) ? Version : Group + "/" + Version;

    /// <summary>A short name for logs and metric labels: <c>plural</c> or <c>plural.group</c>.</summary>
    public string Name => string.IsNullOrEmpty(Group) ? Plural : Plural + "." + Group;

    /// <inheritdoc/>
    public override string ToString() => Name;
}
