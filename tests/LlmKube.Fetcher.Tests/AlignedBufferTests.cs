using LlmKube.Fetcher.Transfer;

namespace LlmKube.Fetcher.Tests;

/// <summary>The transfers' buffers: aligned for O_DIRECT, and filled again only when every stage reading them is done.</summary>
public sealed class AlignedBufferTests
{
    [Fact]
    public void A_buffer_held_by_the_writer_and_the_hasher_is_free_only_after_both_release_it()
    {
        var buffer = new AlignedBuffer(AlignedBuffer.Alignment * 2);
        buffer.Hold(2);

        Assert.False(buffer.Release());
        Assert.True(buffer.Release());

        buffer.Hold(2); // filled again: the count starts over
        Assert.False(buffer.Release());
        Assert.True(buffer.Release());
    }

    [Fact]
    public unsafe void The_memory_is_aligned_and_the_padding_of_a_short_write_is_zero()
    {
        var buffer = new AlignedBuffer(AlignedBuffer.Alignment * 2);
        buffer.Memory.Span.Fill(0xff);
        fixed (byte* start = buffer.Memory.Span)
        {
            Assert.Equal(0, (long)start % AlignedBuffer.Alignment);
        }

        Assert.Equal(AlignedBuffer.Alignment * 2, buffer.PadForDirectWrite(AlignedBuffer.Alignment + 1));
        Assert.All(buffer.Memory.Span[(AlignedBuffer.Alignment + 1)..].ToArray(), b => Assert.Equal(0, b));
        Assert.Equal(0xff, buffer.Memory.Span[AlignedBuffer.Alignment]);
    }
}
