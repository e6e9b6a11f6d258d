using LlmKube.Fetcher.Cli;
using LlmKube.Fetcher.Progress;
using LlmKube.Fetcher.Transfer;
using Microsoft.Extensions.Time.Testing;

namespace LlmKube.Fetcher.Tests;

public class ProgressTests
{
    [Fact]
    public void Lines_show_bytes_rate_and_eta()
    {
        var line = ProgressReporter.Format("model.gguf", 512L << 20, 2048L << 20, 2.0);
        Assert.Equal("model.gguf: 512.0 MiB of 2.0 GiB (25.0%), 256.0 MiB/s, ETA 6s", line);
        Assert.Equal("m: 1.0 KiB, 512 B/s", ProgressReporter.Format("m", 1024, null, 2.0));
        Assert.Equal("1h01m", ProgressReporter.Duration(3660));
    }

    [Fact]
    public void Not_a_terminal_means_one_line_every_five_seconds()
    {
        var time = new FakeTimeProvider();
        var sw = new StringWriter();
        using var reporter = new ProgressReporter(sw, ProgressMode.Auto, isTerminal: false, time);
        var counter = new ByteCounter { Total = 100 };
        reporter.Start("f", counter);
        counter.AddReceived(10);
        time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.Equal("", sw.ToString());
        time.Advance(TimeSpan.FromSeconds(0.2));
        Assert.Single(sw.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(5, sw.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        reporter.Stop();
        time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(5, sw.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void A_terminal_gets_one_redrawn_line_at_most_four_times_a_second()
    {
        var time = new FakeTimeProvider();
        var sw = new StringWriter();
        using var reporter = new ProgressReporter(sw, ProgressMode.Auto, isTerminal: true, time);
        reporter.Start("f", new ByteCounter { Total = 100 });
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(4, sw.ToString().Split('\r', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.DoesNotContain('\n', sw.ToString());
    }
}
