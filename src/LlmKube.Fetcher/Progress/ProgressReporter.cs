using System.Globalization;
using LlmKube.Fetcher.Cli;
using LlmKube.Fetcher.Transfer;

namespace LlmKube.Fetcher.Progress;

/// <summary>
/// Log lines and progress on stderr. On a terminal, one line redrawn at most 4 times a second; otherwise (a pod log)
/// one line every 5 seconds. Never prints credentials: callers pass redacted names, and every URL in a line is
/// redacted once more on the way out.
/// </summary>
internal sealed class ProgressReporter(TextWriter stderr, ProgressMode mode, bool isTerminal, TimeProvider time) : IDisposable
{
    private readonly Lock _gate = new();
    private ITimer? _timer;
    private ByteCounter? _counter;
    private string _name = "";
    private long _started;
    private bool _lineOpen;

    private bool Live => mode == ProgressMode.Auto && isTerminal;

    public void Log(string message)
    {
        lock (_gate)
        {
            EndLine();
            stderr.WriteLine("llmkube-fetch: " + Redaction.Text(message));
            stderr.Flush();
        }
    }

    public void Start(string name, ByteCounter counter)
    {
        Stop();
        lock (_gate)
        {
            _name = name;
            _counter = counter;
            _started = time.GetTimestamp();
            if (mode != ProgressMode.None)
            {
                var period = Live ? TimeSpan.FromMilliseconds(250) : TimeSpan.FromSeconds(5);
                _timer = time.CreateTimer(_ => Tick(), null, period, period);
            }
        }
    }

    public void Stop()
    {
        lock (_gate)
        {
            _timer?.Dispose();
            _timer = null;
            EndLine();
        }
    }

    public void Dispose() => Stop();

    internal static string Format(string name, long done, long? total, double seconds)
    {
        var rate = seconds > 0 ? done / seconds : 0;
        var text = total is { } t && t > 0
            ? $"{name}: {Bytes(done)} of {Bytes(t)} ({100.0 * done / t:F1}%), {Bytes((long)rate)}/s"
            : $"{name}: {Bytes(done)}, {Bytes((long)rate)}/s";
        if (total is { } all && rate > 0 && done < all)
        {
            text += ", ETA " + Duration((all - done) / rate);
        }

        return text;
    }

    internal static string Bytes(long n)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double v = n;
        var u = 0;
        while (v >= 1024 && u < units.Length - 1)
        {
            v /= 1024;
            u++;
        }

        return u == 0 ? n.ToString(CultureInfo.InvariantCulture) + " B" : v.ToString("F1", CultureInfo.InvariantCulture) + " " + units[u];
    }

    internal static string Duration(double seconds) => seconds switch
    {
        < 60 => $"{seconds:F0}s",
        < 3600 => $"{(int)(seconds / 60)}m{(int)(seconds % 60):D2}s",
        _ => $"{(int)(seconds / 3600)}h{(int)(seconds % 3600 / 60):D2}m",
    };

    private void Tick()
    {
        lock (_gate)
        {
            if (_counter is null || _timer is null)
            {
                return;
            }

            var line = Format(_name, _counter.Done, _counter.Total, time.GetElapsedTime(_started).TotalSeconds);
            if (Live)
            {
                stderr.Write("\r\u001b[K" + line);
                _lineOpen = true;
            }
            else
            {
                stderr.WriteLine("llmkube-fetch: " + line);
            }

            stderr.Flush();
        }
    }

    private void EndLine()
    {
        if (_lineOpen)
        {
            stderr.Write("\r\u001b[K");
            _lineOpen = false;
        }
    }
}
