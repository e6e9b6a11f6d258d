using System.Text.Json.Nodes;
using LlmKube.Fetcher.Tests.Infrastructure;

namespace LlmKube.Fetcher.Tests.Security;

/// <summary>
/// A hit of a Model with a sha256 costs a statx, not a hash of the file (issue 18: a hit stays within 20 ms), yet a
/// file rewritten or replaced since it was hashed is hashed again: the sidecar records the file's inode and ctime right
/// after the hash, and ctime cannot be set back by an unprivileged process (docs/SECURITY.md, section 7).
/// </summary>
public sealed class VerifiedHitTests() : ServedModelTest(300_000, 5)
{
    private const string Key = "00112233445566778899aabb";

    private string Model => Tmp.Combine("models", Key, "m.gguf");

    private string SidecarPath => Tmp.Combine("models", Key, ".m.gguf.llmkube.json");

    private string Sha => TestData.Sha256(Data);

    [Fact]
    public async Task A_download_records_the_published_file_s_identity_and_a_hit_does_not_read_the_file()
    {
        var first = await InProcess.FetchAsync(Source, Model, "--sha256", Sha);
        Assert.True(first.ExitCode == 0, first.Stderr);
        var verified = Sidecar()["verified"]!.AsObject();
        Assert.Equal(Inode(Model), verified["inode"]!.GetValue<ulong>());
        Assert.True(verified["ctimeUnixNs"]!.GetValue<long>() > 0);

        // Proof that the hit does not hash: bytes forged together with a sidecar naming their identity (what only
        // someone who may write the claim can do, the documented limit) are taken as they are.
        var forged = TestData.Random(Data.Length, 6);
        File.WriteAllBytes(Model, forged);
        RewriteSidecar(s =>
        {
            s["mtimeUnixNs"] = MtimeUnixNs(Model);
            s["verified"] = new JsonObject { ["inode"] = Inode(Model), ["ctimeUnixNs"] = CtimeUnixNs(Model) };
        });
        Hub.ResetCounters();

        var hit = await InProcess.FetchAsync(Source, Model, "--sha256", Sha);

        Assert.True(hit.ExitCode == 0, hit.Stderr);
        Assert.Contains("cache hit: " + Model + " (sha256 verified)", hit.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("hashing it", hit.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, Hub.DataRequests);
        Assert.Equal(forged, File.ReadAllBytes(Model));
    }

    [Fact]
    public async Task A_status_change_since_the_hash_makes_the_next_hit_hash_once_and_record_the_new_identity()
    {
        var first = await InProcess.FetchAsync(Source, Model, "--sha256", Sha);
        Assert.True(first.ExitCode == 0, first.Stderr);
        var recorded = Sidecar()["verified"]!["ctimeUnixNs"]!.GetValue<long>();
        await Task.Delay(20);
        File.SetUnixFileMode(Model, File.GetUnixFileMode(Model)); // same mode, new ctime
        Assert.NotEqual(recorded, CtimeUnixNs(Model));

        var hashed = await InProcess.FetchAsync(Source, Model, "--sha256", Sha);

        Assert.True(hashed.ExitCode == 0, hashed.Stderr);
        Assert.Contains("hashing it", hashed.Stderr, StringComparison.Ordinal);
        Assert.Contains("cache hit: " + Model + " (sha256 verified)", hashed.Stderr, StringComparison.Ordinal);
        Assert.Equal(CtimeUnixNs(Model), Sidecar()["verified"]!["ctimeUnixNs"]!.GetValue<long>());

        var fast = await InProcess.FetchAsync(Source, Model, "--sha256", Sha);
        Assert.True(fast.ExitCode == 0, fast.Stderr);
        Assert.DoesNotContain("hashing it", fast.Stderr, StringComparison.Ordinal);
        Assert.Contains("(sha256 verified)", fast.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sidecar_of_an_earlier_version_without_an_identity_is_hashed_once_then_hits_are_a_stat()
    {
        var first = await InProcess.FetchAsync(Source, Model, "--sha256", Sha);
        Assert.True(first.ExitCode == 0, first.Stderr);
        RewriteSidecar(s => s.Remove("verified"));
        Hub.ResetCounters();

        var hashed = await InProcess.FetchAsync(Source, Model, "--sha256", Sha);
        var fast = await InProcess.FetchAsync(Source, Model, "--sha256", Sha);

        Assert.True(hashed.ExitCode == 0 && fast.ExitCode == 0, hashed.Stderr + fast.Stderr);
        Assert.Contains("hashing it", hashed.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("hashing it", fast.Stderr, StringComparison.Ordinal);
        Assert.Equal(Inode(Model), Sidecar()["verified"]!["inode"]!.GetValue<ulong>());
        Assert.Equal(0, Hub.DataRequests);
    }

    [Fact]
    public async Task A_copy_renamed_over_the_model_with_the_sidecar_s_size_and_mtime_is_hashed_and_fetched_again()
    {
        var first = await InProcess.FetchAsync(Source, Model, "--sha256", Sha);
        Assert.True(first.ExitCode == 0, first.Stderr);
        var mtime = File.GetLastWriteTimeUtc(Model);
        var planted = Model + ".planted";
        File.WriteAllBytes(planted, TestData.Random(Data.Length, 7));
        File.SetLastWriteTimeUtc(planted, mtime);
        File.Move(planted, Model, overwrite: true);
        Hub.ResetCounters();

        var r = await InProcess.FetchAsync(Source, Model, "--sha256", Sha);

        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("not the expected", r.Stderr, StringComparison.Ordinal);
        Assert.True(Hub.DataRequests > 0);
        Assert.Equal(Data, File.ReadAllBytes(Model));
    }

    private JsonObject Sidecar() => JsonNode.Parse(File.ReadAllText(SidecarPath))!.AsObject();

    private void RewriteSidecar(Action<JsonObject> change)
    {
        var sidecar = Sidecar();
        change(sidecar);
        File.WriteAllText(SidecarPath, sidecar.ToJsonString());
    }

    private static ulong Inode(string path) => ulong.Parse(Stat(path, "%i"), System.Globalization.CultureInfo.InvariantCulture);

    private static long CtimeUnixNs(string path) => UnixNs(Stat(path, "%.9Z"));

    private static long MtimeUnixNs(string path) => UnixNs(Stat(path, "%.9Y")) / 100 * 100;

    private static long UnixNs(string secondsDotNanos)
    {
        var parts = secondsDotNanos.Split('.');
        return (long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture) * 1_000_000_000)
            + long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string Stat(string path, string format)
    {
        using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-c", format, path]) { RedirectStandardOutput = true })!;
        var output = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        return output;
    }
}
