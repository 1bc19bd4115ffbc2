namespace LockActors.Storage;

/// <summary>
/// What a sidecar says about its lock. Serialised as versioned JSON by <see cref="LockMetadataCodec"/>.
/// </summary>
/// <param name="LockId">Unique id of this grant; a release must name it.</param>
/// <param name="OwnerId">Caller-chosen owner identity (may be empty).</param>
/// <param name="Hostname">Host of the holding process.</param>
/// <param name="ProcessId">OS process id of the holder.</param>
/// <param name="CreatedAt">When the grant was made, on the holder's clock (informational only).</param>
/// <param name="HeartbeatAt">When the holder last renewed, on the holder's clock (informational only).</param>
/// <param name="Ttl">Lease length: the lock is stale once the store's clock shows no write for this long.</param>
/// <param name="FencingToken">Grows with every grant of the target; pass it to the resource you protect.</param>
public sealed record LockMetadata(
    string LockId,
    string OwnerId,
    string Hostname,
    int ProcessId,
    DateTimeOffset CreatedAt,
    DateTimeOffset HeartbeatAt,
    TimeSpan Ttl,
    long FencingToken)
{
    /// <summary>The sidecar format version this library writes.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>
    /// The format the sidecar was read in: <see cref="SidecarFormat.LockActors"/> for this library's own (and for
    /// metadata made in memory), <see cref="SidecarFormat.C2foVfs"/> for a c2fo/vfs holder, which has no heartbeat and no
    /// fencing token (0). <see cref="LockMetadataCodec.Encode"/> always writes this library's format.
    /// </summary>
    public SidecarFormat Format { get; init; } = SidecarFormat.LockActors;

    /// <summary>A copy renewed at <paramref name="now"/>.</summary>
    public LockMetadata WithHeartbeat(DateTimeOffset now) => this with { HeartbeatAt = now };
}
