namespace LockActors.Storage;

/// <summary>
/// The four storage primitives the lock protocol is built on. One implementation serves every
/// sidecar of one URI scheme. Every primitive is a single atomic step from the point of view
/// of every other process that uses the same store, and each is one round trip where the
/// backend allows it.
/// </summary>
/// <remarks>
/// Failures that are not a normal "lost the race" outcome are thrown as <see cref="LockStoreException"/>
/// subclasses: <see cref="StoreUnavailableException"/> when the store cannot be reached or the outcome
/// of a write is unknown even after re-reading, <see cref="StoreLocationNotFoundException"/> when the
/// bucket or directory does not exist, <see cref="StoreAccessDeniedException"/> for bad credentials,
/// and <see cref="SidecarTooLargeException"/> for a sidecar bigger than <see cref="SidecarLimits.MaxBytes"/>.
/// </remarks>
public interface ILockStore : IAsyncDisposable
{
    /// <summary>What this store guarantees; the lock actors refuse stores that are not safe for locking.</summary>
    StoreCapabilities Capabilities { get; }

    /// <summary>
    /// Atomically creates the sidecar if, and only if, it does not exist.
    /// Completes with the new version, or with <c>null</c> when a sidecar already exists (its content untouched).
    /// Readers never observe a partially written sidecar.
    /// </summary>
    Task<SidecarVersion?> TryCreateAsync(SidecarKey key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads the sidecar. Completes with <c>null</c> when it does not exist. The snapshot's
    /// timestamps come from the store's own clock wherever the backend exposes one.
    /// </summary>
    Task<SidecarSnapshot?> ReadAsync(SidecarKey key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Overwrites the sidecar only if its current version is <paramref name="expected"/> (compare-and-swap).
    /// Completes with the new version, or <c>null</c> when the sidecar is missing or has another version
    /// (nothing is written in that case).
    /// </summary>
    Task<SidecarVersion?> TryReplaceAsync(SidecarKey key, ReadOnlyMemory<byte> content, SidecarVersion expected, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the sidecar only if its current version is <paramref name="expected"/> (compare-and-swap).
    /// Completes with <c>true</c> when this call removed it; <c>false</c> when it was missing or had another
    /// version (nothing is removed in that case).
    /// </summary>
    Task<bool> TryDeleteAsync(SidecarKey key, SidecarVersion expected, CancellationToken cancellationToken = default);
}
