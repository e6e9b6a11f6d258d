using System.Reflection;

namespace LlmKube.Api;

/// <summary>
/// The version of everything we ship, from <c>Version</c> in Directory.Build.props (stamped into every assembly as its
/// informational version). The CLI's <c>version</c>, the operator's <c>--version</c> and start-up line, and the image tags
/// the operator defaults to all read it here.
/// </summary>
public static class ProductVersion
{
    public static string Current { get; } =
        typeof(ProductVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? throw new InvalidOperationException("LlmKube.Api was built without an informational version (Directory.Build.props sets Version)");
}
