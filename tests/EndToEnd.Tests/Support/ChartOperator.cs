using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;

namespace EndToEnd.Tests.Support;

/// <summary>
/// The operator binary started with the flags of the Deployment <c>helm template</c> rendered (ports replaced by
/// free ones, a kubeconfig and test-speed extras added), stoppable with SIGTERM as the kubelet stops a pod.
/// </summary>
internal sealed class ChartOperator : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private ChartOperator(Process process, int healthPort)
    {
        _process = process;
        HealthPort = healthPort;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int HealthPort { get; }

    public IReadOnlyList<string> Args { get; private init; } = [];

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public static async Task<ChartOperator> StartAsync(IReadOnlyList<string> chartArgs, string kubeconfig, params string[] extra)
    {
        var health = OperatorProcess.FreePort();
        var metrics = OperatorProcess.FreePort();
        var args = chartArgs.Select(a =>
                a.StartsWith("--health-port=", StringComparison.Ordinal) ? $"--health-port={health.ToString(CultureInfo.InvariantCulture)}"
                : a.StartsWith("--metrics-port=", StringComparison.Ordinal) && a != "--metrics-port=0" ? $"--metrics-port={metrics.ToString(CultureInfo.InvariantCulture)}"
                : a)
            .Concat(["--kubeconfig", kubeconfig, .. extra])
            .ToList();
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(OperatorProcess.Binary);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var op = new ChartOperator(Process.Start(info)!, health) { Args = args };
        await op.WaitReadyAsync(TimeSpan.FromSeconds(60));
        return op;
    }

    /// <summary>SIGTERM, then waits for the exit code (the operator stops its controllers and releases the Lease).</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"operator exited with {_process.ExitCode}:\n{Log}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{HealthPort}/readyz"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"operator not ready after {timeout} (an informer without list/watch rights never syncs):\n{Log}");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }
}
