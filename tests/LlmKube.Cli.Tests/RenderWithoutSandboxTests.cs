using System.Diagnostics;
using System.Text.Json.Nodes;
using LlmKube.Tests.Shared;

namespace LlmKube.Cli.Tests;

/// <summary>
/// The shipped CLI without the emulator: render (and everything but sandbox serve/up) must not load LlmKube.Sandbox.
/// The built llmkube is copied, the Sandbox assembly deleted and dropped from its dependency manifest (as a build
/// without it would list it), and run as a child process.
/// </summary>
public sealed class RenderWithoutSandboxTests : IDisposable
{
    private const string SandboxAssembly = "LlmKube.Sandbox";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"llmkube-no-sandbox-{Guid.NewGuid():N}");

    public RenderWithoutSandboxTests()
    {
        Directory.CreateDirectory(_directory);
        foreach (var file in Directory.GetFiles(BuiltExecutables.CliDirectory))
        {
            File.Copy(file, Path.Combine(_directory, Path.GetFileName(file)));
        }

        File.Delete(Path.Combine(_directory, SandboxAssembly + ".dll"));
        var depsFile = Path.Combine(_directory, "llmkube.deps.json");
        var deps = JsonNode.Parse(File.ReadAllText(depsFile))!;
        foreach (var (_, target) in deps["targets"]!.AsObject())
        {
            foreach (var library in target!.AsObject().Select(kv => kv.Key).ToList())
            {
                if (library.StartsWith(SandboxAssembly + "/", StringComparison.Ordinal))
                {
                    target.AsObject().Remove(library);
                }
                else
                {
                    (target[library]?["dependencies"] as JsonObject)?.Remove(SandboxAssembly);
                }
            }
        }

        foreach (var library in deps["libraries"]!.AsObject().Select(kv => kv.Key).Where(k => k.StartsWith(SandboxAssembly + "/", StringComparison.Ordinal)).ToList())
        {
            deps["libraries"]!.AsObject().Remove(library);
        }

        File.WriteAllText(depsFile, deps.ToJsonString());
    }

    [Fact]
    public async Task Render_runs_with_the_Sandbox_assembly_absent_and_sandbox_serve_is_what_needs_it()
    {
        Assert.True(File.Exists(Path.Combine(BuiltExecutables.CliDirectory, SandboxAssembly + ".dll")), "the built CLI ships the Sandbox for sandbox up/serve");

        var render = await RunAsync("render", "-f", RepoPaths.Combine("examples", "quickstart.yaml"));
        var serve = await RunAsync("sandbox", "serve", "--port", "0", "--kubeconfig", Path.Combine(_directory, "kubeconfig"));

        Assert.True(render.ExitCode == 0, render.Stderr);
        Assert.Contains("kind: Deployment", render.Stdout, StringComparison.Ordinal);
        Assert.Contains("kind: PersistentVolumeClaim", render.Stdout, StringComparison.Ordinal);
        Assert.NotEqual(0, serve.ExitCode);
        Assert.Contains(SandboxAssembly, serve.Stderr, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(_directory, "llmkube.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
