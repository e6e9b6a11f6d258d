using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using LlmKube.Tests.Shared;

namespace EndToEnd.Tests.Support;

/// <summary>The real operator binary (llmkube-operator.dll, as its project built it) running as a child process.</summary>
internal sealed class OperatorProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private OperatorProcess(Process process, IReadOnlyList<string> args, int healthPort, int metricsPort)
    {
        _process = process;
        Args = args;
        HealthPort = healthPort;
        MetricsPort = metricsPort;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>The arguments after the binary, as started.</summary>
    public IReadOnlyList<string> Args { get; }

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

    public static string Binary => BuiltExecutables.OperatorDll;

    /// <summary>Starts the operator and waits until /readyz answers (informers synced).</summary>
    public static async Task<OperatorProcess> StartAsync(string kubeconfig, IEnumerable<string>? extraArgs = null, bool waitReady = true,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var health = LocalPorts.Free();
        var metrics = LocalPorts.Free();
        string[] args = ["--kubeconfig", kubeconfig, "--health-port", health.ToString(CultureInfo.InvariantCulture), "--metrics-port", metrics.ToString(CultureInfo.InvariantCulture), "--allow-private-source-probes", .. extraArgs ?? []];
        return await StartWithArgsAsync(args, health, metrics, waitReady, environment);
    }

    /// <summary>Starts the operator with exactly <paramref name="args"/>, which must bind the health port given.
    /// <c>POD_NAMESPACE</c> is never inherited from the test run; <paramref name="environment"/> may set it.</summary>
    public static async Task<OperatorProcess> StartWithArgsAsync(IReadOnlyList<string> args, int healthPort, int metricsPort, bool waitReady = true,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.Environment.Remove("POD_NAMESPACE");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        info.ArgumentList.Add(Binary);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var process = new OperatorProcess(Process.Start(info)!, args, healthPort, metricsPort);
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
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"operator not ready after {timeout} (an informer without list/watch rights never syncs):\n{Log}");
    }

    public async Task<string> MetricsAsync()
    {
        using var http = new HttpClient();
        return await http.GetStringAsync(new Uri($"http://127.0.0.1:{MetricsPort}/metrics"));
    }

    /// <summary>The body of /readyz (whatever its status code).</summary>
    public async Task<string> ReadyzAsync()
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{HealthPort}/readyz"));
        return await response.Content.ReadAsStringAsync();
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

    /// <summary>SIGTERM, as the kubelet stops a pod, then waits for the exit code (the operator releases its Lease).</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        return await WaitForExitAsync(timeout);
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
