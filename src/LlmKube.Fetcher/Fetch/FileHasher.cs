using System.Security.Cryptography;

namespace LlmKube.Fetcher.Fetch;

/// <summary>Full-file sha256, only for files we did not download ourselves (adoption, files without a sidecar).</summary>
internal static class FileHasher
{
    public static async Task<string> Sha256HexAsync(string path, CancellationToken ct)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan | FileOptions.Asynchronous);
        await using (stream.ConfigureAwait(false))
        {
            var hash = await SHA256.HashDataAsync(stream, ct).ConfigureAwait(false);
            return Convert.ToHexStringLower(hash);
        }
    }
}
