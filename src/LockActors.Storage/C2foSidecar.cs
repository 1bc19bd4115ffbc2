using System.Globalization;

namespace LockActors.Storage;

/// <summary>
/// The mapping between <see cref="LockMetadata"/> and c2fo/vfs <c>contrib/lockfile</c> sidecars
/// (<c>{"createdAt": RFC 3339, "ttl": int64 ns, "hostname", "pid", "ownerId"?}</c>), in both directions.
/// </summary>
/// <remarks>
/// <para><b>Read.</b> A c2fo sidecar is a foreign holder: no heartbeat, no fencing token (0), a lock id made up from its
/// hostname, pid and <c>createdAt</c> (stable across reads, never one this library generates). c2fo's rule "stale
/// when now &gt; createdAt + ttl" is judged on the store's clock: c2fo writes its sidecar once, right after stamping
/// <c>createdAt</c>, so the store's last-modified time is that <c>createdAt</c> seen by the store, and the actors'
/// usual test (store age &gt; TTL + clock resolution + grace) is c2fo's rule without comparing two hosts' clocks.
/// <c>ttl</c> 0 means never stale. A negative <c>ttl</c> is corrupt (c2fo would call it stale at once; this library
/// does not take over on a value no c2fo caller can mean). A <c>ttl</c> over <see cref="SidecarLimits.MaxTtl"/> reads
/// as 0, never stale: nobody judges it stale before its writer meant, and no deadline arithmetic can overflow.</para>
/// <para><b>Write.</b> This library's sidecars also carry <c>ttl</c> (ns) such that c2fo's <c>createdAt + ttl</c> is the
/// last heartbeat plus the TTL: <c>createdAt</c> keeps meaning the grant's creation, and every heartbeat rewrites
/// <c>ttl</c>. Readers of this library ignore that field in their own format.</para>
/// </remarks>
internal static class C2foSidecar
{
    /// <summary>Nanoseconds per <see cref="TimeSpan"/> tick.</summary>
    private const long NanosecondsPerTick = 100;

    /// <summary>The prefix of the lock ids made up for c2fo holders (this library's ids are "&lt;instance&gt;-&lt;guid&gt;").</summary>
    public const string LockIdPrefix = "c2fo:";

    /// <summary>The metadata of a c2fo sidecar, or a <see cref="CorruptSidecarException"/> when its <c>ttl</c> is negative.</summary>
    public static LockMetadata ToMetadata(SidecarKey key, DateTimeOffset createdAt, long ttlNanoseconds, string? hostname, int? pid, string? ownerId)
    {
        if (ttlNanoseconds < 0)
        {
            throw new CorruptSidecarException(key, "the field 'ttl' of a c2fo/vfs sidecar is negative (expected 0..9223372036854775807 ns)");
        }

        var host = hostname ?? string.Empty;
        var processId = pid ?? 0;
        var lockId = string.Create(CultureInfo.InvariantCulture, $"{LockIdPrefix}{host}:{processId}:{createdAt.UtcDateTime:O}");
        return new LockMetadata(lockId, ownerId ?? string.Empty, host, processId, createdAt, createdAt, TtlOf(ttlNanoseconds), FencingToken: 0)
        {
            Format = SidecarFormat.C2foVfs,
        };
    }

    /// <summary>
    /// The <c>ttl</c> to write for <paramref name="metadata"/>, in nanoseconds: <c>createdAt + ttl</c> is the later of
    /// <c>createdAt</c> and <c>heartbeatAt</c> plus <paramref name="lease"/> (a clock stepped back never shortens it).
    /// 0 only for a zero lease (never stale, as this library reads its own <c>ttlMs</c> 0); saturates, never wraps.
    /// </summary>
    public static long TtlNanosecondsFor(LockMetadata metadata, TimeSpan lease)
    {
        if (lease == TimeSpan.Zero)
        {
            return 0;
        }

        var sinceCreation = metadata.HeartbeatAt > metadata.CreatedAt ? metadata.HeartbeatAt - metadata.CreatedAt : TimeSpan.Zero;
        var ticks = (sinceCreation + lease).Ticks;
        return ticks > long.MaxValue / NanosecondsPerTick ? long.MaxValue : ticks * NanosecondsPerTick;
    }

    /// <summary>A c2fo TTL as a lease: rounded up to whole ticks (never judged stale early); 0, or over the maximum, never stale.</summary>
    private static TimeSpan TtlOf(long nanoseconds)
    {
        var ticks = nanoseconds / NanosecondsPerTick + (nanoseconds % NanosecondsPerTick == 0 ? 0 : 1);
        return ticks > SidecarLimits.MaxTtl.Ticks ? TimeSpan.Zero : TimeSpan.FromTicks(ticks);
    }
}
