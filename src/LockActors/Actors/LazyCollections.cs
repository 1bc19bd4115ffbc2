using System.Collections;

namespace LockActors.Actors;

/// <summary>
/// A dictionary made on first write (P5: most target actors never use theirs, and an empty one costs ~80 bytes).
/// A mutable struct: keep it in a non-readonly field and never copy it.
/// </summary>
internal struct LazyDictionary<TKey, TValue>(IEqualityComparer<TKey> comparer)
    where TKey : notnull
{
    private Dictionary<TKey, TValue>? _items;

    public readonly int Count => _items?.Count ?? 0;

    public readonly IEnumerable<TValue> Values => _items?.Values ?? Enumerable.Empty<TValue>();

    public TValue this[TKey key]
    {
        readonly get => _items is { } items ? items[key] : throw new KeyNotFoundException();
        set => (_items ??= new Dictionary<TKey, TValue>(comparer))[key] = value;
    }

    public readonly bool ContainsKey(TKey key) => _items?.ContainsKey(key) ?? false;

    public readonly bool TryGetValue(TKey key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out TValue value)
    {
        if (_items is { } items)
        {
            return items.TryGetValue(key, out value);
        }

        value = default;
        return false;
    }

    public readonly bool Remove(TKey key) => _items?.Remove(key) ?? false;
}

/// <summary>A FIFO queue made on first write (P5). A mutable struct: keep it in a non-readonly field and never copy it.</summary>
internal struct LazyQueue<T> : IEnumerable<T>
{
    private Queue<T>? _items;

    public readonly int Count => _items?.Count ?? 0;

    public void Enqueue(T item) => (_items ??= new Queue<T>()).Enqueue(item);

    public readonly bool TryDequeue([System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out T item)
    {
        if (_items is { } items)
        {
            return items.TryDequeue(out item);
        }

        item = default;
        return false;
    }

    public readonly T[] ToArray() => _items?.ToArray() ?? [];

    public readonly void Clear() => _items?.Clear();

    public readonly IEnumerator<T> GetEnumerator() => (_items ?? Enumerable.Empty<T>()).GetEnumerator();

    readonly IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
