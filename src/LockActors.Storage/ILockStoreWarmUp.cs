namespace LockActors.Storage;

/// <summary>
/// A store that must set something up before its first write to a location: connect, authenticate, probe the endpoint
/// for the guarantees the protocol needs. The lock actors call <see cref="PrepareAsync"/> before they start a lease's
/// clock, so a grant's lease is timed from the send of its write, not from a connection handshake (protocol rule 8).
/// </summary>
public interface ILockStoreWarmUp
{
    /// <summary>
    /// Makes everything a write to <paramref name="key"/> needs ready. Idempotent and cheap once done. Throws
    /// <see cref="StoreNotSafeException"/> when the location is refused, or another <see cref="LockStoreException"/>.
    /// </summary>
    Task PrepareAsync(SidecarKey key, CancellationToken cancellationToken = default);
}
