using System.Diagnostics;

namespace EndToEnd.Tests.Support;

/// <summary>The real kubectl, run against a kubeconfig with its own discovery cache.</summary>
internal sealed class Kubectl(string kubeconfig, string cacheDir)
{
    /// <summary>A versioned kubectl binary (the image's /usr/bin/kubectl is a dispatcher that adds requests); KUBECTL overrides.</summary>
    public static string Binary { get; } = Find();

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

    private static string Find()
    {
        if (Environment.GetEnvironmentVariable("KUBECTL") is { Length: > 0 } configured)
        {
            return configured;
        }

        const string sdk = "/usr/lib/google-cloud-sdk/bin";
        var versioned = Directory.Exists(sdk)
            ? Directory.GetFiles(sdk, "kubectl.1.*").OrderBy(f => Version.Parse(Path.GetFileName(f)["kubectl.".Length..])).LastOrDefault()
            : null;
        return versioned ?? "kubectl";
    }
}
