using System.Security.Cryptography;
using LlmKube.Fetcher.Cache;
using LlmKube.Fetcher.Native;

namespace LlmKube.Fetcher.Fetch;

/// <summary>Full-file sha256 of files we did not just download (adoption, files without a sidecar, hits of Models with a sha256).</summary>
internal static class FileHasher
{
    /// <summary>Hashes the regular file <paramref name="name"/> of <paramref name="file"/>'s directory (never through a link).</summary>
    public static async Task<string> Sha256HexAsync(CacheFile file, string name, CancellationToken ct)
    {
        var stream = new FileStream(file.Directory.OpenFile(name, 0), FileAccess.Read, 1 << 20);
        await using (stream.ConfigureAwait(false))
        {
            var hash = await SHA256.HashDataAsync(stream, ct).ConfigureAwait(false);
            return Convert.ToHexStringLower(hash);
        }
    }

    /// <summary>
    /// Hashes <paramref name="file"/> and also returns its identity when nothing changed it while it was read (the
    /// identity before and after agree), so that the identity can be recorded as verified; null otherwise.
    /// </summary>
    public static async Task<(string Sha256, FileIdentity? Stable)> Sha256WithIdentityAsync(CacheFile file, CancellationToken ct)
    {
        var before = file.Stat();
        var sha = await Sha256HexAsync(file, file.Name, ct).ConfigureAwait(false);
        var after = file.Stat();
        return (sha, before is { Kind: FileKind.Regular } b && after is { } a && b == a ? a.Identity : null);
    }
}
