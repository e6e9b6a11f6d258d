using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading.Channels;

namespace LlmKube.Fetcher.Transfer;

/// <summary>A buffer whose start is aligned for O_DIRECT (a pinned array never moves, so the address stays aligned).</summary>
internal sealed class AlignedBuffer
{
    public const int Alignment = 4096;

    public AlignedBuffer(int size)
    {
        if (size % Alignment != 0)
        {
            throw new ArgumentException($"size must be a multiple of {Alignment}", nameof(size));
        }

        var array = GC.AllocateUninitializedArray<byte>(size + Alignment, pinned: true);
        var address = AddressOf(array);
        var offset = (int)((Alignment - (address % Alignment)) % Alignment);
        Memory = array.AsMemory(offset, size);
    }

    private int _holders;

    public Memory<byte> Memory { get; }

    public int Size => Memory.Length;

    /// <summary>
    /// Filled data now goes to <paramref name="holders"/> stages at once (the writer and the hasher): each calls
    /// <see cref="Release"/> when done, and only the last may give the buffer back to be filled again.
    /// </summary>
    public void Hold(int holders) => Volatile.Write(ref _holders, holders);

    /// <summary>True for the last holder: the buffer may be filled again.</summary>
    public bool Release() => Interlocked.Decrement(ref _holders) == 0;

    /// <summary>Releases this holder's claim and, for the last holder, returns the buffer to <paramref name="free"/>.</summary>
    public void ReleaseTo(ChannelWriter<AlignedBuffer> free)
    {
        if (Release())
        {
            free.TryWrite(this);
        }
    }

    /// <summary>The length to write for <paramref name="length"/> data bytes: rounded up to the alignment, padding zeroed.</summary>
    public int PadForDirectWrite(int length)
    {
        var padded = (length + Alignment - 1) / Alignment * Alignment;
        Memory.Span[length..padded].Clear();
        return padded;
    }

    private static unsafe long AddressOf(byte[] pinned) =>
        (long)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinned));
}
