using System.Collections.Concurrent;

namespace LlmKube.ControllerRuntime;

/// <summary>
/// The entry count of a bounded <see cref="ConcurrentDictionary{TKey, TValue}"/> (the pools and shared parts), kept on
/// the side: the table's own <c>Count</c> takes every one of its locks, which grow with the table (up to 1,024), and the
/// string pool asked for it on every new string: a quarter of the pool's CPU in the 1,000-service benchmark. Adds and
/// clears racing each other may leave the count off by the number of threads that raced, so the bound is that close.
/// </summary>
internal sealed class BoundedCount(int capacity)
{
    private int _count;

    /// <summary>Entries added since the last clear.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>True while fewer than the capacity are held.</summary>
    public bool HasRoom => Volatile.Read(ref _count) < capacity;

    /// <summary>
    /// After a lookup that missed: <paramref name="value"/>, added when there is room, or the one another thread added
    /// for <paramref name="key"/> in the meantime.
    /// </summary>
    public TValue GetOrAdd<TKey, TValue>(ConcurrentDictionary<TKey, TValue> table, TKey key, TValue value)
        where TKey : notnull =>
        !HasRoom || Counted(table.TryAdd(key, value)) ? value : table.TryGetValue(key, out var existing) ? existing : value;

    /// <summary>
    /// The same through an alternate lookup of the table (a span instead of the key it would allocate); one expression in
    /// two overloads, because a ref-struct key cannot go through a shared delegate.
    /// </summary>
    public TValue GetOrAdd<TKey, TValue, TAlternate>(ConcurrentDictionary<TKey, TValue>.AlternateLookup<TAlternate> table, TAlternate key, TValue value)
        where TKey : notnull
        where TAlternate : notnull, allows ref struct =>
        !HasRoom || Counted(table.TryAdd(key, value)) ? value : table.TryGetValue(key, out var existing) ? existing : value;

    /// <summary>Counts the table as emptied.</summary>
    public void Cleared() => Volatile.Write(ref _count, 0);

    private bool Counted(bool added)
    {
        if (added)
        {
            Interlocked.Increment(ref _count);
        }

        return added;
    }
}
