namespace LockActors.S3;

/// <summary>
/// Counts the HTTP requests an <see cref="S3LockStore"/> puts on the wire (every attempt, including the endpoint
/// probe and unknown-outcome re-reads). Thread-safe; read it for tests, benchmarks and metrics.
/// </summary>
internal sealed class S3RequestCounter
{
    private long _gets;
    private long _puts;
    private long _deletes;
    private long _heads;
    private long _other;

    /// <summary>Every request sent.</summary>
    public long Total => Interlocked.Read(ref _gets) + Interlocked.Read(ref _puts) + Interlocked.Read(ref _deletes)
                         + Interlocked.Read(ref _heads) + Interlocked.Read(ref _other);

    /// <summary>A consistent-enough copy of the counts, to subtract from a later one.</summary>
    public S3RequestCounts Snapshot() => new(
        Interlocked.Read(ref _gets), Interlocked.Read(ref _puts), Interlocked.Read(ref _deletes),
        Interlocked.Read(ref _heads), Interlocked.Read(ref _other));

    internal void Record(HttpMethod method)
    {
        if (method == HttpMethod.Get)
        {
            Interlocked.Increment(ref _gets);
        }
        else if (method == HttpMethod.Put)
        {
            Interlocked.Increment(ref _puts);
        }
        else if (method == HttpMethod.Delete)
        {
            Interlocked.Increment(ref _deletes);
        }
        else if (method == HttpMethod.Head)
        {
            Interlocked.Increment(ref _heads);
        }
        else
        {
            Interlocked.Increment(ref _other);
        }
    }
}

/// <summary>Request counts by HTTP method at one moment.</summary>
/// <param name="Gets">GET requests.</param>
/// <param name="Puts">PUT requests.</param>
/// <param name="Deletes">DELETE requests.</param>
/// <param name="Heads">HEAD requests.</param>
/// <param name="Other">Any other method.</param>
internal readonly record struct S3RequestCounts(long Gets, long Puts, long Deletes, long Heads, long Other)
{
    /// <summary>All requests.</summary>
    public long Total => Gets + Puts + Deletes + Heads + Other;

    /// <summary>The requests made between <paramref name="earlier"/> and <paramref name="later"/>.</summary>
    public static S3RequestCounts operator -(S3RequestCounts later, S3RequestCounts earlier) => new(
        later.Gets - earlier.Gets, later.Puts - earlier.Puts, later.Deletes - earlier.Deletes,
        later.Heads - earlier.Heads, later.Other - earlier.Other);

    /// <inheritdoc />
    public override string ToString() => $"{Total} requests (GET {Gets}, PUT {Puts}, DELETE {Deletes}, HEAD {Heads})";
}
