namespace LlmKube.Tests.Shared;

/// <summary>
/// The built fetcher, copied to a world-readable directory: tests run it as other uids (setpriv), which cannot
/// traverse a checkout that lives in a private directory (a clean clone in a mktemp -d is mode 0700).
/// </summary>
internal static class FetcherBinaries
{
    private static readonly Lazy<string> Directory = new(Copy);

    /// <summary>Path of llmkube-fetch.dll that any user can run with <c>dotnet</c>.</summary>
    public static string DllForAnyUser => Path.Combine(Directory.Value, "llmkube-fetch.dll");

    private static string Copy()
    {
        var target = Path.Combine(Path.GetTempPath(), $"llmkube-fetch-{Environment.ProcessId}-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(target);
        var source = BuiltExecutables.FetcherDirectory;
        foreach (var file in System.IO.Directory.GetFiles(source).Where(f =>
                     Path.GetFileName(f).StartsWith("llmkube-fetch.", StringComparison.Ordinal) || Path.GetFileName(f).StartsWith("AWSSDK.", StringComparison.Ordinal)
                     || Path.GetFileName(f).StartsWith("LlmKube.Contracts.", StringComparison.Ordinal)
                     || Path.GetFileName(f).StartsWith("System.CommandLine.", StringComparison.Ordinal)))
        {
            var copy = Path.Combine(target, Path.GetFileName(file));
            File.Copy(file, copy, overwrite: true);
            if (OperatingSystem.IsWindows())
            {
                continue;
            }

            File.SetUnixFileMode(copy, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        if (OperatingSystem.IsWindows())
        {
            return target;
        }

        File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
            UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return target;
    }
}
