namespace LlmKube.Fetcher.Transfer;

/// <summary>
/// Which fixed-size chunks of a file are complete, and which of those an fsync has made durable (survive a power loss,
/// not only the process); thread-safe; serialisable as bitmaps.
/// </summary>
internal sealed class ChunkMap
{
    private readonly byte[] _bits;
    private readonly byte[] _durable;
    private readonly Lock _gate = new();
    private int _doneCount;

    public ChunkMap(long size, long chunkSize, byte[]? bits = null, byte[]? durable = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkSize);
        Size = size;
        ChunkSize = chunkSize;
        Count = size == 0 ? 0 : checked((int)((size + chunkSize - 1) / chunkSize));
        _bits = new byte[(Count + 7) / 8];
        _durable = new byte[_bits.Length];
        if (durable is not null && durable.Length == _durable.Length)
        {
            durable.CopyTo(_durable, 0);
        }

        if (bits is not null && bits.Length == _bits.Length)
        {
            bits.CopyTo(_bits, 0);
            for (var i = 0; i < Count; i++)
            {
                _doneCount += IsDone(i) ? 1 : 0;
            }
        }
    }

    public long Size { get; }

    public long ChunkSize { get; }

    public int Count { get; }

    public int DoneCount
    {
        get
        {
            lock (_gate)
            {
                return _doneCount;
            }
        }
    }

    public bool AllDone => DoneCount == Count;

    public long DoneBytes
    {
        get
        {
            long total = 0;
            for (var i = 0; i < Count; i++)
            {
                total += IsDone(i) ? Length(i) : 0;
            }

            return total;
        }
    }

    public long Offset(int index) => index * ChunkSize;

    public long Length(int index) => Math.Min(ChunkSize, Size - Offset(index));

    public bool IsDone(int index)
    {
        lock (_gate)
        {
            return (_bits[index >> 3] & (1 << (index & 7))) != 0;
        }
    }

    public void MarkDone(int index)
    {
        lock (_gate)
        {
            var mask = (byte)(1 << (index & 7));
            if ((_bits[index >> 3] & mask) == 0)
            {
                _bits[index >> 3] |= mask;
                _doneCount++;
            }
        }
    }

    public IReadOnlyList<int> Pending()
    {
        var list = new List<int>();
        for (var i = 0; i < Count; i++)
        {
            if (!IsDone(i))
            {
                list.Add(i);
            }
        }

        return list;
    }

    public string ToBase64()
    {
        lock (_gate)
        {
            return Convert.ToBase64String(_bits);
        }
    }

    /// <summary>The chunks complete now: an fsync that starts after this covers them (see <see cref="MarkDurable"/>).</summary>
    public byte[] SnapshotDone()
    {
        lock (_gate)
        {
            return (byte[])_bits.Clone();
        }
    }

    /// <summary>An fsync that started after <paramref name="snapshot"/> (<see cref="SnapshotDone"/>) succeeded.</summary>
    public void MarkDurable(byte[] snapshot)
    {
        lock (_gate)
        {
            for (var i = 0; i < _durable.Length; i++)
            {
                _durable[i] |= snapshot[i];
            }
        }
    }

    public string DurableToBase64()
    {
        lock (_gate)
        {
            return Convert.ToBase64String(_durable);
        }
    }

    public static ChunkMap FromBase64(long size, long chunkSize, string base64, string? durable = null) =>
        new(size, chunkSize, Convert.FromBase64String(base64), durable is null ? null : Convert.FromBase64String(durable));
}
