using System.Diagnostics;
using System.Globalization;
using LlmKube.Fetcher.CacheAdmin;
using LlmKube.Fetcher.Tests.Infrastructure;

namespace LlmKube.Fetcher.Tests.Security;

/// <summary>
/// Finding 2 of issue 12: root processes on a tenant-writable volume (cache-rm and cache-ls in the CLI's Jobs, prep in
/// every cache pod) against a co-tenant who swaps a directory for a symbolic link to outside the volume in a tight
/// loop (renameat2 RENAME_EXCHANGE). Whatever the interleaving, nothing outside the volume is deleted, changed or read.
/// Also: trees deeper than PATH_MAX are removed and measured (finding 3).
/// </summary>
[Collection("races")]
public sealed class CacheVolumeRaceTests : IDisposable
{
    private const string Key = "0123456789abcdef";
    private static readonly TimeSpan AttackTime = TimeSpan.FromSeconds(4);
    private readonly TempDir _tmp = new();
    private readonly string _outside;

    public CacheVolumeRaceTests()
    {
        _outside = _tmp.Combine("outside");
        Directory.CreateDirectory(_outside);
        File.WriteAllText(Path.Combine(_outside, "precious"), "keep me");
        File.WriteAllText(Path.Combine(_outside, "secret.gguf"), "outside model");
        File.WriteAllText(Path.Combine(_outside, ".secret.gguf.llmkube.json"),
            """{"version":1,"file":"secret.gguf","size":13,"mtimeUnixNs":0,"source":"OUTSIDE-SECRET-SOURCE","fetchedAt":"2026-01-01T00:00:00Z","origin":"download"}""");
    }

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void Cache_rm_never_deletes_outside_the_volume_while_the_entry_is_swapped_for_a_link()
    {
        using var swapper = new Swapper();
        var iterations = Attack(i =>
        {
            var root = NewVolume(i);
            var entry = Entry(root, Key);
            var decoy = Path.Combine(root, "decoy");
            File.CreateSymbolicLink(decoy, _outside);
            swapper.Target(entry, decoy);
            RunCacheAdmin("cache-rm", root, Key);
            swapper.Idle();
        });

        Assert.True(swapper.Swaps > 100, $"the swapper made only {swapper.Swaps} exchanges in {iterations} runs");
    }

    [Fact]
    public void Cache_rm_never_follows_a_nested_directory_swapped_for_a_link()
    {
        using var swapper = new Swapper();
        var iterations = Attack(i =>
        {
            var root = NewVolume(i);
            var entry = Entry(root, Key);
            var sub = Path.Combine(entry, "sub");
            Directory.CreateDirectory(sub);
            for (var f = 0; f < 20; f++)
            {
                File.WriteAllText(Path.Combine(sub, $"part-{f}.gguf"), "x");
            }

            var decoy = Path.Combine(entry, "zz-decoy");
            File.CreateSymbolicLink(decoy, _outside);
            swapper.Target(sub, decoy);
            RunCacheAdmin("cache-rm", root, Key);
            swapper.Idle();
        });

        Assert.True(swapper.Swaps > 100, $"the swapper made only {swapper.Swaps} exchanges in {iterations} runs");
    }

    [Fact]
    public void Leftovers_of_an_interrupted_removal_are_deleted_without_following_a_swapped_link()
    {
        using var swapper = new Swapper();
        var iterations = Attack(i =>
        {
            var root = NewVolume(i);
            var leftover = Path.Combine(root, CacheRemover.TrashPrefix + Key + "-0badf00d");
            Directory.CreateDirectory(leftover);
            File.WriteAllText(Path.Combine(leftover, "m.gguf"), "x");
            var decoy = Path.Combine(root, "decoy");
            File.CreateSymbolicLink(decoy, _outside);
            swapper.Target(leftover, decoy);
            RunCacheAdmin("cache-rm", root, "1111111111111111");
            swapper.Idle();
        });

        Assert.True(swapper.Swaps > 100, $"the swapper made only {swapper.Swaps} exchanges in {iterations} runs");
    }

    [Fact]
    public void Cache_ls_never_reports_or_reads_files_outside_the_volume_while_a_directory_is_swapped_for_a_link()
    {
        using var swapper = new Swapper();
        var root = NewVolume(0);
        var entry = Entry(root, Key);
        var sub = Path.Combine(entry, "sub");
        Directory.CreateDirectory(sub);
        File.WriteAllText(Path.Combine(sub, "inside.gguf"), "inside");
        var decoy = Path.Combine(entry, "zz-decoy");
        File.CreateSymbolicLink(decoy, _outside);
        swapper.Target(sub, decoy);
        var leaks = new List<string>();
        var started = Stopwatch.StartNew();
        var runs = 0;
        while (started.Elapsed < AttackTime)
        {
            var (_, stdout) = RunCacheAdmin("cache-ls", root);
            runs++;
            if (stdout.Contains("OUTSIDE", StringComparison.Ordinal) || stdout.Contains("secret.gguf", StringComparison.Ordinal) || stdout.Contains("precious", StringComparison.Ordinal))
            {
                leaks.Add(stdout);
                break;
            }
        }

        swapper.Idle();
        Assert.True(leaks.Count == 0, $"cache-ls reported files outside the volume after {runs} runs: {leaks.FirstOrDefault()}");
        Assert.True(swapper.Swaps > 100, $"the swapper made only {swapper.Swaps} exchanges in {runs} runs");
    }

    [SkippableFact]
    public async Task Prep_never_changes_the_owner_or_mode_of_a_directory_swapped_in_through_a_link()
    {
        Skip.IfNot(Environment.UserName == "root", "chown to another owner needs root");
        File.SetUnixFileMode(_outside, (UnixFileMode)Convert.ToInt32("755", 8));
        using var swapper = new Swapper();
        var root = _tmp.Combine("volume-prep");
        Directory.CreateDirectory(root);
        var models = Path.Combine(root, "models");
        Directory.CreateDirectory(models);
        var decoy = Path.Combine(root, "decoy");
        File.CreateSymbolicLink(decoy, _outside);
        swapper.Target(models, decoy);
        var started = Stopwatch.StartNew();
        var runs = 0;
        while (started.Elapsed < AttackTime && Owner(_outside) == "0:0 755")
        {
            await InProcess.RunAsync(["prep", models, "--owner", "4321:4321", "--mode", "0770", "--termination-log", _tmp.Combine("none", "log")]);
            runs++;
        }

        swapper.Idle();
        Assert.True(Owner(_outside) == "0:0 755", $"prep changed a directory outside the volume after {runs} runs: {Owner(_outside)}");
        Assert.True(swapper.Swaps > 100, $"the swapper made only {swapper.Swaps} exchanges in {runs} runs");
    }

    [Fact]
    public void A_tree_deeper_than_PATH_MAX_is_measured_by_cache_ls_and_removed_by_cache_rm()
    {
        var root = NewVolume(0);
        var entry = Entry(root, Key);
        // 2100 levels of "d/" is 4200 bytes of path below the entry: more than PATH_MAX (4096).
        DeepTree.Create(entry, 2100, "d", "deep.gguf", "0123456789"u8.ToArray());

        var (lsCode, listing) = RunCacheAdmin("cache-ls", root);
        Assert.Equal(0, lsCode);
        Assert.Contains("\"key\":\"" + Key + "\"", listing, StringComparison.Ordinal);
        Assert.DoesNotContain("\"error\"", listing, StringComparison.Ordinal);
        Assert.Contains("deep.gguf", listing, StringComparison.Ordinal);

        Assert.Contains("\"bytes\":" + (10 + 5).ToString(CultureInfo.InvariantCulture), listing, StringComparison.Ordinal);
        var (rmCode, removal) = RunCacheAdmin("cache-rm", root, Key);
        Assert.True(rmCode == 0, removal);
        Assert.False(Directory.Exists(entry));
        Assert.Empty(Directory.GetFileSystemEntries(root));
    }

    /// <summary>Runs <paramref name="iteration"/> for the attack time; fails at the first iteration after which anything outside changed.</summary>
    private int Attack(Action<int> iteration)
    {
        var started = Stopwatch.StartNew();
        var i = 0;
        for (; started.Elapsed < AttackTime; i++)
        {
            iteration(i);
            Assert.True(File.Exists(Path.Combine(_outside, "precious")) && File.Exists(Path.Combine(_outside, "secret.gguf")),
                $"a file outside the volume was deleted in run {i}");
        }

        return i;
    }

    private string NewVolume(int i)
    {
        var root = _tmp.Combine("volume-" + i.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(root);
        return root;
    }

    private static string Entry(string root, string key)
    {
        var entry = Path.Combine(root, key);
        Directory.CreateDirectory(entry);
        File.WriteAllText(Path.Combine(entry, "m.gguf"), "model");
        File.WriteAllText(Path.Combine(entry, ".llmkube.lock"), "");
        return entry;
    }

    private (int Code, string Stdout) RunCacheAdmin(params string[] args)
    {
        var stdout = new StringWriter();
        var code = CacheAdminCommand.Run([.. args, "--termination-log", _tmp.Combine("no-such-dir", "log")], stdout, TextWriter.Null);
        return (code, stdout.ToString());
    }

    private static string Owner(string path) => Shell($"stat -c '%u:%g %a' '{path}'").Trim();

    private static string Shell(string script)
    {
        using var p = Process.Start(new ProcessStartInfo("bash", ["-c", script]) { RedirectStandardOutput = true })!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        return output;
    }
}
