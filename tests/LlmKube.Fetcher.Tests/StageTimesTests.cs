using System.Globalization;
using System.Text.RegularExpressions;
using LlmKube.Fetcher.Tests.Infrastructure;
using LlmKube.Fetcher.Transfer;
using Microsoft.Extensions.Time.Testing;

namespace LlmKube.Fetcher.Tests;

/// <summary>The done line says how long sha256 and the file's I/O were busy, beside the transfer's wall time.</summary>
public sealed partial class StageTimesTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void Busy_times_add_up_per_stage_across_threads()
    {
        var time = new FakeTimeProvider();
        var stages = new StageTimes(time);
        var hash = stages.Start();
        var write1 = stages.Start();
        time.Advance(TimeSpan.FromMilliseconds(300));
        var write2 = stages.Start(); // a second writer, overlapping the first
        time.Advance(TimeSpan.FromMilliseconds(200));
        stages.DiskDone(write1);
        stages.DiskDone(write2);
        stages.Hashed(hash);

        Assert.Equal(TimeSpan.FromMilliseconds(500), stages.Hashing);
        Assert.Equal(TimeSpan.FromMilliseconds(700), stages.Disk);
    }

    [Theory]
    [InlineData(false, "true", "fsync and rename")]
    [InlineData(false, "false", "rename")]
    [InlineData(true, "true", "fsync and rename")]
    public async Task The_done_line_reports_busy_times_that_fit_inside_the_transfer(bool noRanges, string fsync, string publish)
    {
        await using var hub = await HubServer.StartAsync();
        var data = TestData.Random(32 << 20, 51);
        hub.AddPlain("m.gguf", data);
        if (noRanges)
        {
            hub.Faults.Enqueue(new Fault(NoRanges: true)); // the probe
            hub.Faults.Enqueue(new Fault(NoRanges: true)); // the stream
        }

        var dest = _tmp.Combine("k", "m.gguf");
        var r = await InProcess.FetchAsync(hub.Endpoint + "/files/m.gguf", dest, "--sha256", TestData.Sha256(data), "--fsync", fsync);

        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains(noRanges ? "single stream" : "connections", r.Stderr, StringComparison.Ordinal);
        var done = DoneLine().Match(r.Stderr);
        Assert.True(done.Success, r.Stderr);
        Assert.Equal(publish, done.Groups["publish"].Value);
        double Seconds(string group) => double.Parse(done.Groups[group].Value, CultureInfo.InvariantCulture);
        // 32 MiB take tens of milliseconds to hash on any machine this runs on; one hasher, so never longer than the run.
        Assert.InRange(Seconds("sha256"), 0.005, Seconds("wall") + 0.05);
        Assert.True(Seconds("disk") > 0, r.Stderr);
        Assert.InRange(Seconds("published"), 0, Seconds("wall") + 0.05);
    }

    [GeneratedRegex(@"done: .* transferred in (?<wall>\d+\.\d)s, [^;]*/s; busy: sha256 (?<sha256>\d+\.\d{3})s, disk I/O (?<disk>\d+\.\d{3})s, (?<publish>fsync and rename|rename) (?<published>\d+\.\d{3})s\), sha256 [0-9a-f]{64} \(expected\)")]
    private static partial Regex DoneLine();
}
