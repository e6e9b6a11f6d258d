using System.Security.Cryptography;
using LlmKube.Fetcher.Native;
using LlmKube.Fetcher.Tests.Infrastructure;
using LlmKube.Fetcher.Transfer;

namespace LlmKube.Fetcher.Tests;

/// <summary>
/// The temp file's early flushes (src/LlmKube.Fetcher/Transfer/TargetFile.cs): direct writes are flushed in the
/// background while the writers wait, only when the run is durable, and the content stays exactly what was written.
/// </summary>
public sealed class TargetFileTests : IDisposable
{
    private const int Chunk = 4 << 20;
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void A_durable_direct_file_is_flushed_early_while_the_writers_wait_and_keeps_every_byte()
    {
        var data = RandomNumberGenerator.GetBytes(24 * Chunk - 1000); // the last write is padded, then cut
        using (var file = Open(tryDirect: true, earlyWriteback: true))
        {
            Assert.True(file.IsDirect, $"{Path.GetTempPath()} refuses O_DIRECT: these tests need a filesystem that takes it (ext4, xfs, tmpfs since Linux 6.6)");
            WriteAll(file, data, idleAfterEach: true);

            Assert.InRange(file.EarlyFlushes, 1, data.Length / TargetFile.EarlyFlushBytes);
            file.Complete(data.Length, fsync: true);
        }

        Assert.Equal(data, File.ReadAllBytes(_tmp.Combine("f")));
    }

    [Fact]
    public void An_early_flush_records_as_durable_exactly_the_chunks_complete_when_it_started()
    {
        var data = RandomNumberGenerator.GetBytes(12 * Chunk);
        var map = new ChunkMap(data.Length, Chunk);
        using var file = Open(tryDirect: true, earlyWriteback: true, map);
        Assert.True(file.IsDirect, $"{Path.GetTempPath()} refuses O_DIRECT");

        // Eight chunks (32 MiB) with idle writers start one early flush, which covers exactly them.
        WriteAll(file, data.AsSpan(0, 8 * Chunk).ToArray(), idleAfterEach: true, map);
        Assert.Equal(1, file.EarlyFlushes);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (ChunkMap.FromBase64(data.Length, Chunk, map.DurableToBase64()).DoneCount == 0 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(5);
        }

        // Four more, written while the flush may still run or after it: done, and not durable.
        var buffer = new AlignedBuffer(Chunk);
        for (var index = 8; index < 12; index++)
        {
            data.AsSpan(index * Chunk, Chunk).CopyTo(buffer.Memory.Span);
            file.Write(buffer, Chunk, (long)index * Chunk);
            map.MarkDone(index);
            file.Written((long)index * Chunk, Chunk, moreQueued: true);
        }

        var durable = ChunkMap.FromBase64(data.Length, Chunk, map.DurableToBase64());
        Assert.Equal(Enumerable.Range(0, 8), Enumerable.Range(0, 12).Where(durable.IsDone));
        Assert.Equal(12, map.DoneCount);
    }

    [Fact]
    public void Writers_that_always_have_work_queued_leave_the_flush_to_the_end()
    {
        var data = RandomNumberGenerator.GetBytes(12 * Chunk);
        using var file = Open(tryDirect: true, earlyWriteback: true);
        Assert.True(file.IsDirect, $"{Path.GetTempPath()} refuses O_DIRECT");

        WriteAll(file, data, idleAfterEach: false);
        file.Complete(data.Length, fsync: true);

        Assert.Equal(0, file.EarlyFlushes);
    }

    [Theory]
    [InlineData(true, false)] // emptyDir: --fsync false, nothing is made durable early or late
    [InlineData(false, true)] // buffered and durable: writeback of each range (sync_file_range), not a flush
    public void Only_durable_direct_writes_are_flushed_early(bool tryDirect, bool earlyWriteback)
    {
        var data = RandomNumberGenerator.GetBytes(12 * Chunk);
        using (var file = Open(tryDirect, earlyWriteback))
        {
            WriteAll(file, data, idleAfterEach: true);
            file.Complete(data.Length, fsync: earlyWriteback);
            Assert.Equal(0, file.EarlyFlushes);
        }

        Assert.Equal(data, File.ReadAllBytes(_tmp.Combine("f")));
    }

    private TargetFile Open(bool tryDirect, bool earlyWriteback, ChunkMap? tracked = null)
    {
        using var dir = DirectoryHandle.Open(_tmp.Path, followLastLink: true);
        dir.OpenFile("f", Libc.O_RDWR, Convert.ToInt32("600", 8), exclusive: true).Dispose();
        return TargetFile.Open(dir, "f", tryDirect, earlyWriteback, tracked);
    }

    /// <summary>
    /// Writes the data in chunks at their offsets, as the ranged transfer's writers do (each chunk marked done in
    /// <paramref name="map"/> before <see cref="TargetFile.Written"/>), in reverse pairs.
    /// </summary>
    private static void WriteAll(TargetFile file, byte[] data, bool idleAfterEach, ChunkMap? map = null)
    {
        var buffer = new AlignedBuffer(Chunk);
        var chunks = (data.Length + Chunk - 1) / Chunk;
        for (var i = 0; i < chunks; i++)
        {
            var index = i % 2 == 0 && i + 1 < chunks ? i + 1 : i % 2 == 1 ? i - 1 : i;
            var offset = (long)index * Chunk;
            var length = (int)Math.Min(Chunk, data.Length - offset);
            data.AsSpan((int)offset, length).CopyTo(buffer.Memory.Span);
            file.Write(buffer, length, offset);
            map?.MarkDone(index);
            file.Written(offset, length, moreQueued: !idleAfterEach);
        }
    }
}
