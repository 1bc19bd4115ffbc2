using LockActors.Storage;

namespace LockActors.Actors;

/// <summary>
/// The sidecar a release leaves in strict fencing mode: it marks the target free and keeps the last fencing token, so
/// the next grant anywhere is drawn above it with no clock assumption. This library treats it as absent at once (an
/// acquire replaces it by compare-and-swap); its 1 ms TTL makes readers that do not know the marker judge it stale
/// within one clock resolution plus grace.
/// </summary>
internal static class ReleasedTombstone
{
    /// <summary>The lock id that marks a released sidecar (generated lock ids are "&lt;instance&gt;-&lt;guid&gt;", never this).</summary>
    public const string LockId = "released";

    /// <summary>The tombstone left by the release of <paramref name="last"/>.</summary>
    public static LockMetadata For(LockMetadata last, DateTimeOffset now) =>
        last with { LockId = LockId, CreatedAt = now, HeartbeatAt = now, Ttl = TimeSpan.FromMilliseconds(1) };
}
