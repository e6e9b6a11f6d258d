namespace LlmKube.Tests.Shared;

/// <summary>
/// Our executables as their own projects built them, with this test's configuration and framework. Tests run them as
/// child processes and never reference them as assemblies: the test project has a ProjectReference with
/// <c>ReferenceOutputAssembly="false"</c>, which only builds them first.
/// </summary>
internal static class BuiltExecutables
{
    public static string OperatorDll => Path.Combine(OutputOf("LlmKube.Operator"), "llmkube-operator.dll");

    public static string FetcherDll => Path.Combine(FetcherDirectory, "llmkube-fetch.dll");

    public static string FetcherDirectory => OutputOf("LlmKube.Fetcher");

    public static string CliDirectory => OutputOf("LlmKube.Cli");

    /// <summary><c>src/PROJECT/bin/CONFIGURATION/FRAMEWORK/</c>, read off this process's own output directory.</summary>
    public static string OutputOf(string project)
    {
        var framework = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory));
        var configuration = framework.Parent ?? throw new InvalidOperationException("unexpected output directory " + AppContext.BaseDirectory);
        return RepoPaths.Combine("src", project, "bin", configuration.Name, framework.Name);
    }
}
