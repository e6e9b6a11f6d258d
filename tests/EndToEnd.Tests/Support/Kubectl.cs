using System.Diagnostics;
using LlmKube.Tests.Shared;

namespace EndToEnd.Tests.Support;

/// <summary>The real kubectl, run against a kubeconfig with its own discovery cache.</summary>
internal sealed class Kubectl(string kubeconfig, string cacheDir)
{
    public static string Binary => KubectlBinary.Path;

    public async Task<(int Code, string Stdout, string Stderr)> RunAsync(string[] args, string? stdin = null, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--kubeconfig", kubeconfig, "--cache-dir", cacheDir }.Concat(args))
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["HOME"] = cacheDir;
        using var process = Process.Start(info)!;
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }

        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kubectl {string.Join(' ', args)} did not finish");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs and fails the test on a non-zero exit.</summary>
    public async Task<string> OkAsync(params string[] args)
    {
        var (code, stdout, stderr) = await RunAsync(args);
        Assert.True(code == 0, $"kubectl {string.Join(' ', args)} exited {code}: {stderr}");
        return stdout;
    }

    public Task<(int Code, string Stdout, string Stderr)> ApplyAsync(string yaml, string? ns = null) =>
        RunAsync(ns is null ? ["apply", "-f", "-"] : ["apply", "-n", ns, "-f", "-"], yaml);
}
