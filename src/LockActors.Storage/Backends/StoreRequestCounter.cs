using System.Collections.Concurrent;

namespace LockActors.Storage.Backends;

/// <summary>
/// Counts the requests a network store puts on the wire, by kind (HTTP method, SFTP request type…), every attempt
/// included. Thread-safe. Every network store exposes one the same way: <c>internal StoreRequestCounter Requests</c>.
/// </summary>
internal sealed class StoreRequestCounter
{
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);

    /// <summary>Every request sent.</summary>
    public long Total => _counts.Values.Sum();

    /// <summary>Counts one request of <paramref name="kind"/> (e.g. <c>"GET"</c>).</summary>
    public void Record(string kind) => _counts.AddOrUpdate(kind, 1, (_, n) => n + 1);

    /// <summary>A copy of the counts, to subtract from a later one.</summary>
    public StoreRequestCounts Snapshot() => new(new SortedDictionary<string, long>(_counts, StringComparer.Ordinal));
}

/// <summary>Request counts by kind at one moment; <see cref="ToString"/> lists the non-zero ones, e.g. <c>"GET 1, PUT 2"</c>.</summary>
internal sealed class StoreRequestCounts(SortedDictionary<string, long> counts)
{
    /// <summary>All requests.</summary>
    public long Total => counts.Values.Sum();

    /// <summary>The requests of <paramref name="kind"/>.</summary>
    public long this[string kind] => counts.GetValueOrDefault(kind);

    /// <summary>The requests made between <paramref name="earlier"/> and <paramref name="later"/>.</summary>
    public static StoreRequestCounts operator -(StoreRequestCounts later, StoreRequestCounts earlier) =>
        new(new SortedDictionary<string, long>(later.Kinds.Union(earlier.Kinds).ToDictionary(k => k, k => later[k] - earlier[k]), StringComparer.Ordinal));

    private IEnumerable<string> Kinds => counts.Keys;

    /// <inheritdoc />
    public override string ToString()
    {
        var nonZero = counts.Where(c => c.Value != 0).Select(c => $"{c.Key} {c.Value}").ToArray();
        return nonZero.Length == 0 ? "none" : string.Join(", ", nonZero);
    }
}
