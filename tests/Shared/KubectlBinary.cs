namespace LlmKube.Tests.Shared;

/// <summary>
/// Which kubectl the tests run: <c>$KUBECTL</c>; else the newest <c>kubectl.1.x</c> up to 1.33 of the Google Cloud
/// SDK (the image's <c>/usr/bin/kubectl</c> is a dispatcher that adds requests of its own); else the one
/// <c>.ci/run</c> unpacks into <c>.tools/bin/</c>; else whatever <c>kubectl</c> is on the PATH.
/// </summary>
internal static class KubectlBinary
{
    private const string Sdk = "/usr/lib/google-cloud-sdk/bin";

    public static string Path { get; } = Locate();

    private static string Locate()
    {
        if (Environment.GetEnvironmentVariable("KUBECTL") is { Length: > 0 } configured)
        {
            return configured;
        }

        var newest = Directory.Exists(Sdk)
            ? Directory.GetFiles(Sdk, "kubectl.1.*")
                .Select(f => (File: f, Version: Version.TryParse(System.IO.Path.GetFileName(f)["kubectl.".Length..], out var v) ? v : null))
                .Where(x => x.Version is not null && x.Version <= new Version(1, 33))
                .MaxBy(x => x.Version).File
            : null;
        if (newest is not null)
        {
            return newest;
        }

        var unpacked = RepoPaths.Combine(".tools", "bin", "kubectl");
        return File.Exists(unpacked) ? unpacked : "kubectl";
    }
}
