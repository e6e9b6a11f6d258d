using System.Security.Cryptography;
using LlmKube.Fetcher.Cache;

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
}
