using System.Diagnostics;

namespace LlmKube.Tests.Shared;

/// <summary>
/// Prometheus' <c>promtool</c> (Debian package <c>prometheus</c>; <c>.ci/run</c> installs it): lints an exposition,
/// checks and unit-tests rule files. <c>$PROMTOOL</c> overrides the binary.
/// </summary>
internal static class Promtool
{
    public static string? Binary { get; } = Environment.GetEnvironmentVariable("PROMTOOL") is { Length: > 0 } configured ? configured
        : (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => Path.Combine(p, "promtool")).FirstOrDefault(File.Exists);

    /// <summary>CI must run these tests (<c>.ci/run</c> exports CI=true).</summary>
    public static bool Required => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string? Missing => Binary is null ? "promtool was not found: apt-get install prometheus (or run .ci/run), or set PROMTOOL" : null;

    /// <summary>Runs promtool; <paramref name="stdin"/> is written to its standard input.</summary>
    public static async Task<(int Code, string Output)> RunAsync(string? stdin, params string[] args)
    {
        var info = new ProcessStartInfo(Binary ?? throw new InvalidOperationException(Missing))
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}

/// <summary>A fact that needs promtool: skipped on a developer machine without it, failing in CI.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class PromtoolFactAttribute : FactAttribute
{
    public PromtoolFactAttribute()
    {
        if (Promtool.Missing is { } why && !Promtool.Required)
        {
            Skip = why;
        }
    }
}
