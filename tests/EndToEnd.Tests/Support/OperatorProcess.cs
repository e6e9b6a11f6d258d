using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EndToEnd.Tests.Support;

/// <summary>The real operator binary (llmkube-operator.dll, built beside the tests) running as a child process.</summary>
internal sealed class OperatorProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private OperatorProcess(Process process, int healthPort, int metricsPort)
    {
        _process = process;
        HealthPort = healthPort;
        MetricsPort = metricsPort;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int HealthPort { get; }

    public int MetricsPort { get; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

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

    public static string Binary => Path.Combine(AppContext.BaseDirectory, "llmkube-operator.dll");

    /// <summary>Starts the operator and waits until /readyz answers (informers synced).</summary>
    public static async Task<OperatorProcess> StartAsync(string kubeconfig, IEnumerable<string>? extraArgs = null, bool waitReady = true)
    {
        var health = FreePort();
        var metrics = FreePort();
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { Binary, "--kubeconfig", kubeconfig, "--health-port", health.ToString(System.Globalization.CultureInfo.InvariantCulture), "--metrics-port", metrics.ToString(System.Globalization.CultureInfo.InvariantCulture), "--allow-private-source-probes" }.Concat(extraArgs ?? []))
        {
            info.ArgumentList.Add(arg);
        }

        var process = new OperatorProcess(Process.Start(info)!, health, metrics);
        if (waitReady)
        {
            await process.WaitReadyAsync(TimeSpan.FromSeconds(60));
        }

        return process;
    }

    public async Task WaitReadyAsync(TimeSpan timeout)
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
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"operator not ready after {timeout}:\n{Log}");
    }

    public async Task<string> MetricsAsync()
    {
        using var http = new HttpClient();
        return await http.GetStringAsync(new Uri($"http://127.0.0.1:{MetricsPort}/metrics"));
    }

    /// <summary>kill -9: no graceful shutdown, as a crash or an OOM kill.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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
