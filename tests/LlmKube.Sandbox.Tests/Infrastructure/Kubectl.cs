using System.Diagnostics;
using System.Text;
using LlmKube.Tests.Shared;

namespace LlmKube.Sandbox.Tests.Infrastructure;

/// <summary>The result of one kubectl run.</summary>
public sealed record KubectlResult(int ExitCode, string Output, string Error)
{
    public KubectlResult Ok()
    {
        Assert.True(ExitCode == 0, $"kubectl failed ({ExitCode}): {Error}\n{Output}");
        return this;
    }

    public KubectlResult Fails()
    {
        Assert.True(ExitCode != 0, $"kubectl unexpectedly succeeded: {Output}");
        return this;
    }
}

/// <summary>
/// Runs the real kubectl binary (<see cref="KubectlBinary"/>) with its own kubeconfig, HOME and cache directory.
/// </summary>
public sealed class Kubectl
{
    private readonly string _kubeconfig;
    private readonly string _home;

    public Kubectl(string kubeconfig, string home)
    {
        _kubeconfig = kubeconfig;
        _home = home;
    }

    public static string Binary => KubectlBinary.Path;

    public async Task<KubectlResult> RunAsync(params string[] args) => await RunWithInputAsync(null, args);

    public async Task<KubectlResult> RunWithInputAsync(string? input, params string[] args)
    {
        var start = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = input is not null,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--kubeconfig");
        start.ArgumentList.Add(_kubeconfig);
        start.ArgumentList.Add("--cache-dir");
        start.ArgumentList.Add(Path.Combine(_home, "cache"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["HOME"] = _home;
        start.Environment["KUBECONFIG"] = _kubeconfig;
        start.Environment.Remove("KUBERNETES_SERVICE_HOST");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kubectl {string.Join(' ', args)} did not finish in 60 s");
        }

        return new KubectlResult(process.ExitCode, await output, await error);
    }

    /// <summary>Starts kubectl without waiting (for commands that block, like delete --wait).</summary>
    public Task<KubectlResult> StartAsync(params string[] args) => Task.Run(() => RunAsync(args));

    public static string Join(params string[] lines) => new StringBuilder().AppendJoin('\n', lines).ToString();
}
