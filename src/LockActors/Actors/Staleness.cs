using LockActors.Storage;

namespace LockActors.Actors;

/// <summary>
/// Judges a sidecar written by another process, on the store's clock only (protocol rule 4): it is stale once the
/// store shows no write for longer than the holder's TTL plus the store's clock resolution and the configured grace.
/// </summary>
internal static class Staleness
{
    /// <summary>How long after its last write a sidecar with <paramref name="holderTtl"/> becomes stale; null = never (TTL 0, c2fo/vfs).</summary>
    public static TimeSpan? StaleAfter(TimeSpan holderTtl, TimeSpan clockResolution, TimeSpan grace) =>
        holderTtl == TimeSpan.Zero ? null : holderTtl + clockResolution + grace;

    /// <summary>True when a sidecar of this age (store clock) may be judged stale.</summary>
    public static bool IsStale(TimeSpan age, TimeSpan holderTtl, TimeSpan clockResolution, TimeSpan grace) =>
        StaleAfter(holderTtl, clockResolution, grace) is { } after && age > after;

    /// <summary>
    /// How long from the read until the sidecar can first be judged stale, if nobody writes it meanwhile; null = never.
    /// A waiter re-reads then instead of on a blind back-off.
    /// </summary>
    public static TimeSpan? TimeUntilStale(TimeSpan age, TimeSpan holderTtl, TimeSpan clockResolution, TimeSpan grace) =>
        StaleAfter(holderTtl, clockResolution, grace) is { } after
            ? (after > age ? after - age : TimeSpan.Zero) + TimeSpan.FromMilliseconds(1) // "> after" needs one tick past it
            : null;

    /// <summary>The TTL a sidecar is judged by: the holder's when it parsed, else (corrupt) the configured default.</summary>
    public static TimeSpan TtlOf(LockMetadata? holder, TimeSpan defaultTtl) => holder?.Ttl ?? defaultTtl;
}
