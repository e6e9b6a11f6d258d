using System.Diagnostics;
using System.Text.Json.Nodes;

namespace LlmKube.Sandbox.Tests.Infrastructure;

/// <summary>
/// Runs a script against Debian's official Kubernetes Python client (<c>python3-kubernetes</c>, which
/// <c>.ci/run</c> installs): a second real client besides kubectl and KubernetesClient, with its own reading of
/// responses (for instance it deserialises a DELETE answer as <c>V1Status</c>). The script gets <c>client</c> and
/// <c>config</c> imported, <c>api</c> as an <c>ApiClient</c> for the kubeconfig, <c>json</c>, and prints one JSON
/// document on stdout.
/// </summary>
internal static class PythonClient
{
    // The Debian package installs into the system interpreter; a pyenv or venv python3 on the PATH would not see it.
    private const string Interpreter = "/usr/bin/python3";

    private static readonly Lazy<string?> Missing = new(FindMissing);

    /// <summary>CI must run these tests (<c>.ci/run</c> installs the package); elsewhere they are skipped when it is missing.</summary>
    public static void SkipUnlessAvailable()
    {
        if (Missing.Value is { } why)
        {
            Assert.False(string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase), why);
            Skip.If(true, why);
        }
    }

    public static async Task<JsonNode> RunAsync(string kubeconfig, string script)
    {
        var prelude = $$"""
            import json
            from kubernetes import client, config
            api = config.new_client_from_config(config_file={{JsonValue.Create(kubeconfig).ToJsonString()}})

            """;
        var (code, stdout, stderr) = await ExecAsync(prelude + script);
        Assert.True(code == 0, $"python client script failed ({code}): {stderr}\n{stdout}");
        return JsonNode.Parse(stdout) ?? throw new InvalidOperationException("the script printed null");
    }

    private static string? FindMissing()
    {
        if (!File.Exists(Interpreter))
        {
            return $"{Interpreter} not found: apt-get install -y python3-kubernetes (.ci/run does)";
        }

        var (code, _, stderr) = ExecAsync("import kubernetes").GetAwaiter().GetResult();
        return code == 0 ? null : $"the Kubernetes Python client is not installed ({stderr.Trim()}): apt-get install -y python3-kubernetes (.ci/run does)";
    }

    private static async Task<(int Code, string Stdout, string Stderr)> ExecAsync(string script)
    {
        var start = new ProcessStartInfo(Interpreter, ["-"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment.Remove("KUBERNETES_SERVICE_HOST");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(script);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
