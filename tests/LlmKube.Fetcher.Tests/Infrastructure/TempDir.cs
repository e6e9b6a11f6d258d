namespace LlmKube.Fetcher.Tests.Infrastructure;

public sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = Directory.CreateTempSubdirectory("llmkube-fetch-test-").FullName;
        // nginx workers (user nobody) and the unprivileged-uid tests must be able to enter it.
        File.SetUnixFileMode(Path, (UnixFileMode)Convert.ToInt32("777", 8));
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Trees deeper than PATH_MAX (a security test builds one) defeat path-based deletion; rm descends relatively.
            using var rm = System.Diagnostics.Process.Start("rm", ["-rf", "--", Path]);
            rm.WaitForExit();
        }
    }
}
