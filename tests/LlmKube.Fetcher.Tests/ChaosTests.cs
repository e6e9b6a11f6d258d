using LlmKube.Fetcher.Tests.Infrastructure;

namespace LlmKube.Fetcher.Tests;

/// <summary>
/// Issue 8, suite 5: a seeded mix of faults (dropped connections, short bodies, 5xx, stalls) across rounds, with the
/// upstream file replaced between a failed attempt and its resume. Whatever happens, a file under the final name is
/// always complete and equal to one published version, and every successful round yields the current version.
/// </summary>
public sealed class ChaosTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public async Task Random_faults_and_upstream_changes_never_leave_a_wrong_file_under_the_final_name()
    {
        await using var hub = await HubServer.StartAsync();
        var random = new Random(2026);
        var versions = new List<byte[]> { TestData.Random(3 << 20, 100) };
        hub.AddFile("org/r", "m.gguf", versions[^1]);
        var dest = _tmp.Combine("k", "m.gguf");
        var shas = new HashSet<string>(StringComparer.Ordinal) { TestData.Sha256(versions[^1]) };

        using var stop = new CancellationTokenSource();
        var wrong = 0;
        var watcher = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    if (File.Exists(dest) && !shas.Contains(TestData.Sha256OfFile(dest)))
                    {
                        Interlocked.Increment(ref wrong);
                    }
                }
                catch (IOException)
                {
                    // replaced while reading: the next poll sees the new file
                }

                await Task.Delay(5);
            }
        });

        int successes = 0, failures = 0, changes = 0;
        for (var round = 0; round < 16; round++)
        {
            if (round > 0 && random.NextDouble() < 0.3)
            {
                // Upstream publishes a new version: a partial of the old one must not be resumed into it.
                versions.Add(TestData.Random(3 << 20, 200 + round));
                lock (shas)
                {
                    shas.Add(TestData.Sha256(versions[^1]));
                }

                hub.AddFile("org/r", "m.gguf", versions[^1]);
                changes++;
            }

            hub.Faults.Clear();
            hub.Faults.Enqueue(new Fault()); // the resolve probe
            for (var i = random.Next(0, 6); i > 0; i--)
            {
                hub.Faults.Enqueue(random.Next(4) switch
                {
                    0 => new Fault(DropAfterBytes: random.Next(10_000, 900_000)),
                    1 => new Fault(ShortAfterBytes: random.Next(10_000, 900_000)),
                    2 => new Fault(Status: random.Next(2) == 0 ? 500 : 503),
                    _ => new Fault(Delay: TimeSpan.FromSeconds(2)),
                });
            }

            var result = await InProcess.RunAsync(
                ["fetch", "--source", "hf://org/r/m.gguf", "--dest", dest, "--progress", "none", "--chunk-size-mib", "1",
                 "--connections", random.Next(1, 4).ToString(System.Globalization.CultureInfo.InvariantCulture), "--max-attempts", "3", "--stall-timeout-seconds", "1"],
                new Dictionary<string, string> { ["HF_ENDPOINT"] = hub.Endpoint });

            if (result.ExitCode == 0)
            {
                successes++;
                Assert.Equal(TestData.Sha256(versions[^1]), TestData.Sha256OfFile(dest));
                File.Delete(dest); // keep downloading in the next rounds instead of hitting the cache
                foreach (var sidecar in Directory.GetFiles(Path.GetDirectoryName(dest)!, ".m.gguf.llmkube.json"))
                {
                    File.Delete(sidecar);
                }
            }
            else
            {
                failures++;
                Assert.True(result.ExitCode == 13, $"round {round}: unexpected exit {result.ExitCode}: {result.Stderr}");
                Assert.False(File.Exists(dest), $"round {round}: a failed run left a final file");
            }
        }

        await stop.CancelAsync();
        await watcher;
        Assert.Equal(0, wrong);
        Assert.True(successes > 0 && failures > 0 && changes > 0, $"the seed exercised too little: {successes} ok, {failures} failed, {changes} upstream changes");
    }
}
