namespace LockActors.Storage;

/// <summary>Limits every store and the codec enforce on sidecar content.</summary>
public static class SidecarLimits
{
    /// <summary>The largest sidecar a store will write or the codec will decode (64 KiB); real metadata is a few hundred bytes.</summary>
    /// <remarks>A store still reads a larger sidecar, but only its first <c>MaxBytes + 1</c> bytes, so it can be judged
    /// (and taken over) like any other corrupt sidecar; see <see cref="ILockStore.ReadAsync"/>.</remarks>
    public const int MaxBytes = 64 * 1024;

    /// <summary>The suffix appended to a target's name to form its sidecar.</summary>
    public const string Suffix = ".lock";

    /// <summary>
    /// The longest lease a sidecar may declare: 3650 days. A longer <c>ttlMs</c> decodes as a
    /// <see cref="CorruptSidecarException"/>, and <see cref="LockMetadataCodec.Encode"/> refuses it, so every lease
    /// the library reads can be added to any <see cref="LatestTimestamp"/> without overflow. A TTL of zero is valid
    /// and means "never stale" (c2fo/vfs).
    /// </summary>
    public static TimeSpan MaxTtl { get; } = TimeSpan.FromDays(3650);

    /// <summary>The earliest <c>createdAt</c> / <c>heartbeatAt</c> a sidecar may carry: 1970-01-01T00:00:00Z.</summary>
    public static DateTimeOffset EarliestTimestamp { get; } = DateTimeOffset.UnixEpoch;

    /// <summary>
    /// The latest <c>createdAt</c> / <c>heartbeatAt</c> a sidecar may carry: 9000-01-01T00:00:00Z, far enough from
    /// <see cref="DateTimeOffset.MaxValue"/> that adding <see cref="MaxTtl"/> never overflows.
    /// </summary>
    public static DateTimeOffset LatestTimestamp { get; } = new(9000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Throws <see cref="SidecarTooLargeException"/> when <paramref name="length"/> exceeds <see cref="MaxBytes"/>.</summary>
    public static void EnsureWithinLimit(SidecarKey key, long length)
    {
        if (length > MaxBytes)
        {
            throw new SidecarTooLargeException(key, length);
        }
    }
}
