using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace LlmKube.Bench.Operator;

/// <summary>The real operator binary as a child process, with its peak RSS read from /proc.</summary>
internal sealed class BenchOperator : IAsyncDisposable
{
    public const string User = "system:serviceaccount:llmkube-system:llmkube-operator";

    private readonly Process _process;

    private static int s_started;
    private static int s_dumps;
    private readonly int _metricsPort;

    private BenchOperator(Process process, int metricsPort)
    {
        _process = process;
        _metricsPort = metricsPort;
    }

    /// <summary><c>LLMKUBE_BENCH_OPERATOR_ARGS="--workers 2"</c>: operator flags (space-separated) added to every start,
    /// for A/B of its settings.</summary>
    public static string[] ExtraFlags => (Environment.GetEnvironmentVariable("LLMKUBE_BENCH_OPERATOR_ARGS") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <param name="build">A framework-dependent build's <c>llmkube-operator.dll</c>, run with <c>dotnet</c>, or any other
    /// path as an executable of its own (a Native AOT publish, bench/operator/README.md session 18).</param>
    public static async Task<BenchOperator> StartAsync(string build, string kubeconfig)
    {
        var health = FreePort();
        var metrics = FreePort();
        string[] command = build.EndsWith(".dll", StringComparison.Ordinal) ? ["dotnet", build] : [build];
        // LLMKUBE_BENCH_TRACE=file.speedscope.json runs the operator under dotnet-trace (CPU sampling) for profiling.
        var trace = Environment.GetEnvironmentVariable("LLMKUBE_BENCH_TRACE");
        var info = new ProcessStartInfo(trace is null ? command[0] : Environment.GetEnvironmentVariable("DOTNET_TRACE") ?? "dotnet-trace") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (trace is not null)
        {
            trace = trace.Replace("{n}", Interlocked.Increment(ref s_started).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
            foreach (var arg in new[] { "collect", "--format", "speedscope", "-o", trace, "--", command[0] })
            {
                info.ArgumentList.Add(arg);
            }
        }

        // LLMKUBE_BENCH_OPERATOR_ENV="DOTNET_X=1;DOTNET_Y=2" sets runtime knobs for the operator only, not for the sandbox.
        foreach (var pair in (Environment.GetEnvironmentVariable("LLMKUBE_BENCH_OPERATOR_ENV") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var (key, value) = pair.Split('=', 2) is [var k, var v] ? (k, v) : throw new ArgumentException($"LLMKUBE_BENCH_OPERATOR_ENV: '{pair}' is not KEY=VALUE");
            info.Environment[key] = value;
        }

        foreach (var arg in command[1..].Concat(ExtraFlags).Concat(["--kubeconfig", kubeconfig, "--health-port", health.ToString(CultureInfo.InvariantCulture), "--metrics-port", metrics.ToString(CultureInfo.InvariantCulture),
            "--log-level", Environment.GetEnvironmentVariable("LLMKUBE_LOG_LEVEL") ?? "info"]))
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info)!;
        var verbose = Environment.GetEnvironmentVariable("LLMKUBE_BENCH_VERBOSE") == "1";
        var started = Stopwatch.StartNew();
        process.OutputDataReceived += (_, e) => { if (verbose && e.Data is not null) { Console.Error.WriteLine($"  [{started.Elapsed.TotalSeconds,6:F2}] {e.Data}"); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null && (verbose || e.Data.Contains("fail", StringComparison.OrdinalIgnoreCase))) { Console.Error.WriteLine($"  [{started.Elapsed.TotalSeconds,6:F2}] {e.Data}"); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{health}/readyz"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return new BenchOperator(process, metrics);
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            if (process.HasExited)
            {
                throw new InvalidOperationException("operator exited");
            }

            await Task.Delay(20);
        }
    }

    public async Task<string> MetricsAsync()
    {
        using var http = new HttpClient();
        return await http.GetStringAsync(new Uri($"http://127.0.0.1:{_metricsPort}/metrics"));
    }

    /// <summary>User plus system CPU seconds the operator has used so far.</summary>
    public double CpuSeconds()
    {
        _process.Refresh();
        return _process.TotalProcessorTime.TotalSeconds;
    }

    /// <summary>minflt from /proc/PID/stat: page faults served without I/O, such as the first touch of fresh memory.</summary>
    public long MinorFaults() => long.Parse(File.ReadAllText($"/proc/{_process.Id}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[7], CultureInfo.InvariantCulture);

    /// <summary>VmHWM: the process's peak resident set, in MiB.</summary>
    public double PeakRssMiB()
    {
        var line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
    }

    /// <summary>
    /// LLMKUBE_BENCH_GCDUMP=out-{n}.gcdump writes the operator's managed heap, by type, after the window
    /// (dotnet-gcdump, or the tool named by DOTNET_GCDUMP), to see what the caches hold.
    /// </summary>
    public async Task GcDumpAsync()
    {
        if (Environment.GetEnvironmentVariable("LLMKUBE_BENCH_GCDUMP") is not { Length: > 0 } path)
        {
            return;
        }

        path = path.Replace("{n}", Interlocked.Increment(ref s_dumps).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        using var dump = Process.Start(Environment.GetEnvironmentVariable("DOTNET_GCDUMP") ?? "dotnet-gcdump",
            ["collect", "-p", _process.Id.ToString(CultureInfo.InvariantCulture), "-o", path]);
        await dump.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (Environment.GetEnvironmentVariable("LLMKUBE_BENCH_TRACE") is not null)
        {
            using var interrupt = Process.Start("kill", ["-INT", _process.Id.ToString(CultureInfo.InvariantCulture)]);
            await interrupt.WaitForExitAsync();
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await _process.WaitForExitAsync(grace.Token);
        }

        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
