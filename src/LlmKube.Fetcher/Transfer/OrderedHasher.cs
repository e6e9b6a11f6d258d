using System.Security.Cryptography;
using LlmKube.Fetcher.Native;
using Microsoft.Win32.SafeHandles;

namespace LlmKube.Fetcher.Transfer;

/// <summary>Hashes completed chunks in file order by reading them back (from the page cache) while others still arrive.</summary>
internal sealed class OrderedHasher(SafeFileHandle file, ChunkMap map, bool earlyWriteback)
{
    private const int ReadSize = 1 << 20;

    public async Task<byte[]> RunAsync(SemaphoreSlim signal, CancellationToken ct)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = GC.AllocateUninitializedArray<byte>(ReadSize);
        for (var i = 0; i < map.Count; i++)
        {
            while (!map.IsDone(i))
            {
                await signal.WaitAsync(ct).ConfigureAwait(false);
            }

            var offset = map.Offset(i);
            var end = offset + map.Length(i);
            for (var pos = offset; pos < end;)
            {
                ct.ThrowIfCancellationRequested();
                var n = RandomAccess.Read(file, buffer.AsSpan(0, (int)Math.Min(ReadSize, end - pos)), pos);
                if (n <= 0)
                {
                    throw new IOException($"partial file is shorter than a completed chunk ({pos} < {end})");
                }

                hash.AppendData(buffer, 0, n);
                pos += n;
            }

            if (earlyWriteback)
            {
                Libc.StartWriteback(file, offset, end - offset);
            }
        }

        return hash.GetHashAndReset();
    }
}
