using LlmKube.Fetcher.Tests.Infrastructure;
using LlmKube.Tests.Shared;

namespace LlmKube.Fetcher.Tests;

/// <summary>file:// sources (allowed roots, symlinks) and adoption of entries filled by upstream LLMKube.</summary>
public sealed class LocalSourceTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public async Task File_sources_are_copied_only_from_under_an_allowed_root()
    {
        var root = _tmp.Combine("host-models");
        Directory.CreateDirectory(root);
        var data = TestData.Random(3 << 20, 61);
        File.WriteAllBytes(Path.Combine(root, "m.gguf"), data);
        File.WriteAllText(_tmp.Combine("secret.gguf"), "outside");
        File.CreateSymbolicLink(Path.Combine(root, "escape.gguf"), _tmp.Combine("secret.gguf"));

        var ok = await InProcess.FetchAsync("file://" + Path.Combine(root, "m.gguf"), _tmp.Combine("c", "k", "m.gguf"), "--allow-file-root", root);
        Assert.True(ok.ExitCode == 0, ok.Stderr);
        Assert.Equal(TestData.Sha256(data), TestData.Sha256OfFile(_tmp.Combine("c", "k", "m.gguf")));

        var noRoots = await InProcess.FetchAsync("file://" + Path.Combine(root, "m.gguf"), _tmp.Combine("c", "k2", "m.gguf"));
        Assert.Equal(15, noRoots.ExitCode);
        var outside = await InProcess.FetchAsync("file://" + _tmp.Combine("secret.gguf"), _tmp.Combine("c", "k3", "m.gguf"), "--allow-file-root", root);
        Assert.Equal(15, outside.ExitCode);
        var symlink = await InProcess.FetchAsync("file://" + Path.Combine(root, "escape.gguf"), _tmp.Combine("c", "k4", "m.gguf"), "--allow-file-root", root);
        Assert.Equal(15, symlink.ExitCode);
        Assert.Contains("not under an allowed root", symlink.ReasonLine, StringComparison.Ordinal);
        var dotdot = await InProcess.FetchAsync("file://" + root + "/../secret.gguf", _tmp.Combine("c", "k5", "m.gguf"), "--allow-file-root", root);
        Assert.Equal(15, dotdot.ExitCode);
        var env = await InProcess.RunAsync(["fetch", "--progress", "none"], new Dictionary<string, string>
        {
            ["LLMKUBE_SOURCE"] = "file://" + Path.Combine(root, "m.gguf"),
            ["LLMKUBE_DEST"] = _tmp.Combine("c", "k6", "m.gguf"),
            ["LLMKUBE_ALLOWED_FILE_ROOTS"] = "/nonexistent:" + root,
        });
        Assert.True(env.ExitCode == 0, env.Stderr);
    }

    [Fact]
    public async Task Upstream_entry_with_one_other_gguf_and_no_sidecar_is_adopted_by_hard_link_without_network()
    {
        var entry = _tmp.Combine("models", "8cc5f1f83d631cc0");
        Directory.CreateDirectory(entry);
        var data = TestData.Random(1 << 20, 71);
        File.WriteAllBytes(Path.Combine(entry, "Llama-3-8B.gguf"), data); // upstream's name from GGUF metadata
        var dest = Path.Combine(entry, "model.gguf");
        var port = LocalPorts.Free(); // nothing listens: any network use would fail

        var r = await InProcess.FetchAsync($"http://127.0.0.1:{port}/model.gguf", dest, "--sha256", TestData.Sha256(data));
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("adopted upstream cache file", r.Stderr, StringComparison.Ordinal);
        Assert.Equal(TestData.Sha256(data), TestData.Sha256OfFile(dest));
        Assert.True(File.Exists(Path.Combine(entry, ".model.gguf.llmkube.json")));
        Assert.Equal("2", Stat(dest, "%h")); // a hard link, no copy

        var again = await InProcess.FetchAsync($"http://127.0.0.1:{port}/model.gguf", dest, "--sha256", TestData.Sha256(data));
        Assert.Contains("cache hit", again.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a.gguf,b.gguf")]
    [InlineData("a.gguf,a.gguf.tmp")]
    [InlineData("a.gguf,.a.gguf.llmkube.json")]
    public async Task No_adoption_when_the_entry_is_ambiguous_or_incomplete(string list)
    {
        var entry = _tmp.Combine("models", "key");
        Directory.CreateDirectory(entry);
        foreach (var f in list.Split(','))
        {
            File.WriteAllText(Path.Combine(entry, f), "x");
        }

        var r = await InProcess.FetchAsync($"http://127.0.0.1:{LocalPorts.Free()}/model.gguf", Path.Combine(entry, "model.gguf"), "--max-attempts", "1");
        Assert.Equal(13, r.ExitCode); // it tried the network instead
    }

    [Fact]
    public async Task Adoption_refuses_a_file_whose_sha256_differs()
    {
        var entry = _tmp.Combine("models", "key");
        Directory.CreateDirectory(entry);
        File.WriteAllText(Path.Combine(entry, "other.gguf"), "corrupt");
        var r = await InProcess.FetchAsync($"http://127.0.0.1:{LocalPorts.Free()}/model.gguf", Path.Combine(entry, "model.gguf"),
            "--sha256", new string('c', 64), "--max-attempts", "1");
        Assert.Contains("not adopting", r.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(entry, "model.gguf")));
    }

    [Fact]
    public async Task A_present_file_without_sidecar_is_checked_once_when_a_sha256_is_expected()
    {
        var entry = _tmp.Combine("models", "key");
        Directory.CreateDirectory(entry);
        var data = TestData.Random(100_000, 81);
        var dest = Path.Combine(entry, "model.gguf");
        File.WriteAllBytes(dest, data);
        var port = LocalPorts.Free();
        var r = await InProcess.FetchAsync($"http://127.0.0.1:{port}/model.gguf", dest, "--sha256", TestData.Sha256(data));
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("checking its sha256 once", r.Stderr, StringComparison.Ordinal);
        var r2 = await InProcess.FetchAsync($"http://127.0.0.1:{port}/model.gguf", dest, "--sha256", TestData.Sha256(data));
        Assert.DoesNotContain("checking", r2.Stderr, StringComparison.Ordinal);

        // Replaced behind our back (size or mtime changed): the sidecar no longer counts, the file is checked again.
        File.WriteAllBytes(dest, TestData.Random(100_000, 82));
        var r3 = await InProcess.FetchAsync($"http://127.0.0.1:{port}/model.gguf", dest, "--sha256", TestData.Sha256(data), "--max-attempts", "1");
        Assert.Equal(13, r3.ExitCode);
        Assert.Contains("fetching again", r3.Stderr, StringComparison.Ordinal);
    }

    private static string Stat(string path, string format)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("stat") { RedirectStandardOutput = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(format);
        psi.ArgumentList.Add(path);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var s = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        return s;
    }
}
