using LlmKube.Cli;
using LlmKube.Sandbox.Tests.Infrastructure;
using LlmKube.Tests.Shared;

namespace LlmKube.Sandbox.Tests;

/// <summary><c>llmkube sandbox serve</c> in process: it listens, writes a kubeconfig kubectl can use, and stops on cancellation.</summary>
public sealed class CliServeTests
{
    [Fact]
    public async Task Serve_writes_a_kubeconfig_prints_one_line_and_runs_until_cancelled()
    {
        var directory = Path.Combine(Path.GetTempPath(), "llmkube-sandbox-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var kubeconfig = Path.Combine(directory, "kubeconfig");
        var output = new StringWriter();
        var error = new StringWriter();
        using var stop = new CancellationTokenSource();
        var run = CliApp.RunAsync(
            ["sandbox", "serve", "--port", "0", "--kubeconfig", kubeconfig, "--simulate-deployments", "--fault-latency-ms", "1"],
            TextWriter.Synchronized(output),
            TextWriter.Synchronized(error),
            stop.Token);
        try
        {
            await Eventually.TrueAsync(() => File.Exists(kubeconfig) && output.ToString().Contains("listening on", StringComparison.Ordinal), "the server to start", TimeSpan.FromSeconds(20));
            var line = Assert.Single(output.ToString().Trim().Split('\n'));
            Assert.Matches(@"^llmkube sandbox listening on http://127\.0\.0\.1:\d+/ .*kubectl --kubeconfig .*kubeconfig get namespaces$", line);
            var kubectl = new Kubectl(kubeconfig, Path.Combine(directory, "home"));
            Assert.Contains("kube-system", (await kubectl.RunAsync("get", "namespaces")).Ok().Output, StringComparison.Ordinal);
            (await kubectl.RunAsync("apply", "-f", TestSandbox.Asset("workload.yaml"))).Ok();
            await Eventually.TrueAsync(
                async () => (await kubectl.RunAsync("get", "deploy", "web", "-o", "jsonpath={.status.readyReplicas}")).Output == "2",
                "the simulated deployment to become ready",
                TimeSpan.FromSeconds(20));
        }
        finally
        {
            await stop.CancelAsync();
        }

        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(string.Empty, error.ToString());
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task Serve_refuses_a_missing_role_file()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await CliApp.RunAsync(["sandbox", "serve", "--rbac-role", "/nonexistent/roles.yaml"], output, error, CancellationToken.None);
        Assert.Equal(2, code);
        Assert.Contains("--rbac-role file not found: /nonexistent/roles.yaml", error.ToString(), StringComparison.Ordinal);
    }
}
