namespace LockActors.Storage;

/// <summary>Which program's format a sidecar was written in, as <see cref="LockMetadataCodec.Decode"/> recognised it.</summary>
public enum SidecarFormat
{
    /// <summary>This library's versioned JSON (field <c>v</c>): lock id, heartbeat time, TTL and fencing token included.</summary>
    LockActors,

    /// <summary>
    /// A c2fo/vfs <c>contrib/lockfile</c> sidecar (<c>createdAt</c>, <c>ttl</c> in nanoseconds, <c>hostname</c>, <c>pid</c>,
    /// <c>ownerId</c>; no <c>v</c>): a foreign holder with no heartbeat and no fencing token. Its lock id is made up from
    /// its hostname, pid and creation time; its <see cref="LockMetadata.FencingToken"/> is 0 (none).
    /// </summary>
    C2foVfs,
}
