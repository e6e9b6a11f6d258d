using System.Diagnostics;
using LlmKube.Tests.Shared;

namespace EndToEnd.Tests.Support;

/// <summary>
/// Runs Helm 3 against <c>charts/llmkube</c>. The binary comes from <c>HELM</c> (what <c>.ci/run</c> exports),
/// else the cache <c>.ci/run</c> fills, else <c>helm</c> on the PATH. Helm writes only under a scratch directory.
/// Also compiled into Packaging.Tests.
/// </summary>
internal static class HelmChart
{
    public const string ReleaseName = "llmkube";
    public const string ReleaseNamespace = "llmkube-system";

    private static readonly string Scratch = Path.Combine(Path.GetTempPath(), $"llmkube-helm-{Environment.ProcessId}");

    /// <summary>The Helm binary, or null when none was found.</summary>
    public static string? Binary { get; } = Find();

    /// <summary>CI must run the Helm tests: <c>.ci/run</c> sets LLMKUBE_REQUIRE_HELM=1; CI=true also counts.</summary>
    public static bool Required =>
        Environment.GetEnvironmentVariable("LLMKUBE_REQUIRE_HELM") == "1" ||
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string ChartDirectory => RepoPaths.Combine("charts", "llmkube");

    /// <summary>Why Helm tests cannot run here, or null when they can.</summary>
    public static string? Missing => Binary is null
        ? "Helm 3 was not found: run .ci/run once (it caches Helm under ~/.cache/llmkube-tools) or set HELM=/path/to/helm"
        : null;

    /// <summary>Runs helm with the given arguments; returns its exit code and output.</summary>
    public static async Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var helm = Binary ?? throw new InvalidOperationException(Missing);
        var info = new ProcessStartInfo(helm) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (variable, dir) in new[] { ("HELM_CACHE_HOME", "cache"), ("HELM_CONFIG_HOME", "config"), ("HELM_DATA_HOME", "data") })
        {
            info.Environment[variable] = Path.Combine(Scratch, dir);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary><c>helm template llmkube charts/llmkube -n llmkube-system</c> with <c>--set</c> values; fails the test on an error.</summary>
    public static async Task<string> TemplateAsync(params string[] sets)
    {
        var (code, stdout, stderr) = await RunAsync(TemplateArgs(sets));
        Assert.True(code == 0, $"helm template {string.Join(' ', sets)} exited {code}: {stderr}");
        return stdout;
    }

    public static string[] TemplateArgs(IEnumerable<string> sets) =>
        ["template", ReleaseName, ChartDirectory, "--namespace", ReleaseNamespace, .. sets.SelectMany(s => new[] { "--set", s })];

    private static string? Find()
    {
        if (Environment.GetEnvironmentVariable("HELM") is { Length: > 0 } configured)
        {
            return File.Exists(configured) ? configured : null;
        }

        var home = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        var tools = Environment.GetEnvironmentVariable("LLMKUBE_TOOLS_DIR") is { Length: > 0 } dir ? dir : Path.Combine(home, "llmkube-tools");
        var cached = Path.Combine(tools, "helm-v3.18.0", "helm");
        if (File.Exists(cached))
        {
            return cached;
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => Path.Combine(p, "helm"))
            .FirstOrDefault(File.Exists);
    }
}

/// <summary>
/// A fact that needs Helm: skipped when Helm is missing on a developer machine, run (and failing with the reason)
/// when Helm is required (CI).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class HelmFactAttribute : FactAttribute
{
    public HelmFactAttribute()
    {
        if (HelmChart.Missing is { } why && !HelmChart.Required)
        {
            Skip = why;
        }
    }
}

/// <summary>A theory that needs Helm (see <see cref="HelmFactAttribute"/>).</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class HelmTheoryAttribute : TheoryAttribute
{
    public HelmTheoryAttribute()
    {
        if (HelmChart.Missing is { } why && !HelmChart.Required)
        {
            Skip = why;
        }
    }
}
