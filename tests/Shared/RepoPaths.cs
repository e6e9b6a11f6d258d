namespace LlmKube.Tests.Shared;

/// <summary>Locates files of the repository from a test's output directory.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>Upstream's sample manifests, kept in the repository as test data.</summary>
    public static string CompatSamples => Combine("tests", "compat", "llmkube-0.9.19-samples");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LlmKube.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("LlmKube.slnx not found above " + AppContext.BaseDirectory);
    }
}
