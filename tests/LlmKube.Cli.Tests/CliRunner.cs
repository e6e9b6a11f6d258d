namespace LlmKube.Cli.Tests;

/// <summary>Runs the real CLI in-process and captures its output streams.</summary>
internal static class CliRunner
{
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await CliApp.RunAsync(args, stdout, stderr, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Runs the CLI with a given environment (for example a terminal on stdin that answers a question).</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(Output.CliEnvironment environment, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await CliApp.RunAsync(args, stdout, stderr, environment, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Writes YAML to a temp file and returns its path.</summary>
    public static string TempYaml(string yaml)
    {
        var path = Path.Combine(Path.GetTempPath(), $"llmkube-test-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }
}
