using System.Diagnostics;
using System.Text;

namespace LlmKube.Fetcher.Tests.Infrastructure;

/// <summary>Result of one fetcher run.</summary>
public sealed record RunResult(int ExitCode, string Stderr)
{
    public string? ReasonLine => Stderr.Split('\n').LastOrDefault(l => l.StartsWith("reason=", StringComparison.Ordinal));
}

/// <summary>
/// Runs llmkube-fetch as a child process: the AOT binary when LLMKUBE_FETCH_BIN names one, else `dotnet llmkube-fetch.dll`
/// from the test output (the referenced project is copied beside the tests).
/// </summary>
public sealed class FetcherProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource _stderrDone = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private FetcherProcess(Process process)
    {
        _process = process;
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _stderrDone.TrySetResult();
                return;
            }

            lock (_stderr)
            {
                _stderr.AppendLine(e.Data);
            }
        };
        _process.BeginErrorReadLine();
    }

    public int Pid => _process.Id;

    public static string[] Command(bool anyUser = false)
    {
        if (Environment.GetEnvironmentVariable("LLMKUBE_FETCH_BIN") is { Length: > 0 } bin)
        {
            return [bin];
        }

        // Under another uid (setpriv) the checkout may not be reachable: run a world-readable copy.
        var dll = anyUser ? LlmKube.Tests.Shared.FetcherBinaries.DllForAnyUser : Path.Combine(AppContext.BaseDirectory, "llmkube-fetch.dll");
        return ["dotnet", dll];
    }

    /// <summary>
    /// Starts the fetcher; <paramref name="prefix"/> wraps it (e.g. setpriv ...); <paramref name="program"/> runs another
    /// build of it instead (e.g. the front binary).
    /// </summary>
    public static FetcherProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null, IEnumerable<string>? prefix = null,
        IReadOnlyList<string>? program = null)
    {
        var wrapped = prefix?.ToList() ?? [];
        var command = wrapped.Concat(program ?? Command(anyUser: wrapped.Count > 0)).Concat(args).ToList();
        var psi = new ProcessStartInfo(command[0])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = false,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        foreach (var a in command.Skip(1))
        {
            psi.ArgumentList.Add(a);
        }

        // Only what the test gives: no LLMKUBE_* or credentials leak in from the test runner.
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("LLMKUBE_", StringComparison.Ordinal) || k.StartsWith("AWS_", StringComparison.Ordinal) || k.StartsWith("HF_", StringComparison.Ordinal)).ToList())
        {
            psi.Environment.Remove(key);
        }

        psi.Environment["DOTNET_TieredPGO"] = "0";
        psi.Environment["DOTNET_TC_QuickJitForLoops"] = "1";
        foreach (var (k, v) in InProcess.WithLoopback(env))
        {
            psi.Environment[k] = v;
        }

        return new FetcherProcess(Process.Start(psi)!);
    }

    public static async Task<RunResult> RunAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null, IEnumerable<string>? prefix = null,
        TimeSpan? timeout = null, IReadOnlyList<string>? program = null)
    {
        using var p = Start(args, env, prefix, program);
        return await p.WaitAsync(timeout ?? TimeSpan.FromSeconds(120));
    }

    public async Task<RunResult> WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"fetcher did not finish in {timeout}: {Stderr}");
        }

        await _stderrDone.Task.WaitAsync(TimeSpan.FromSeconds(10));
        return new RunResult(_process.ExitCode, Stderr);
    }

    public bool HasExited => _process.HasExited;

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>SIGKILL, like the OOM killer or a node losing power for the process.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: false);
        }
        catch (InvalidOperationException)
        {
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
            _process.WaitForExit(5000);
        }

        _process.Dispose();
    }
}
