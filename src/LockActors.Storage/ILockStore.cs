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
/// <see cref="SidecarTooLargeException"/> for content bigger than <see cref="SidecarLimits.MaxBytes"/> passed to a
/// write (thrown before the store is touched), and <see cref="SidecarNotRegularFileException"/> on file-system stores
/// when the sidecar path names a FIFO, directory, device, socket or symbolic link (never followed, never blocked on).
/// Nothing else escapes: hostile paths and content end as one of these typed errors.
/// </remarks>
public interface ILockStore : IAsyncDisposable
{
    /// <summary>What this store guarantees; the lock actors refuse stores that are not safe for locking.</summary>
    StoreCapabilities Capabilities { get; }

    /// <summary>
    /// Atomically creates the sidecar if, and only if, it does not exist.
    /// Completes with the new version, or with <c>null</c> when a sidecar already exists (its content untouched) —
    /// also when the name is taken by something that is not a sidecar (a FIFO, a directory, a symbolic link…), which
    /// is not touched either. Readers never observe a partially written sidecar.
    /// </summary>
    Task<SidecarVersion?> TryCreateAsync(SidecarKey key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads the sidecar. Completes with <c>null</c> when it does not exist. The snapshot's
    /// timestamps come from the store's own clock wherever the backend exposes one.
    /// </summary>
    /// <remarks>
    /// <para><b>Oversized sidecars are not an error here.</b> When the sidecar is larger than
    /// <see cref="SidecarLimits.MaxBytes"/>, the snapshot's <see cref="SidecarSnapshot.Content"/> is its first
    /// <c>MaxBytes + 1</c> bytes (so <see cref="LockMetadataCodec.Decode"/> throws <see cref="SidecarTooLargeException"/>)
    /// and its <see cref="SidecarSnapshot.Version"/> is the sidecar's real current version: <see cref="TryReplaceAsync"/>
    /// and <see cref="TryDeleteAsync"/> with that version succeed unless the sidecar changed since, so an oversized
    /// sidecar can be judged by the stale policy and taken over by compare-and-swap like any other corrupt one. A store
    /// never transfers much more than <c>MaxBytes + 1</c> bytes of it.</para>
    /// <para>A path that is not a regular file (file-system stores) throws <see cref="SidecarNotRegularFileException"/>
    /// without blocking or following it.</para>
    /// </remarks>
    Task<SidecarSnapshot?> ReadAsync(SidecarKey key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Overwrites the sidecar only if its current version is <paramref name="expected"/> (compare-and-swap).
    /// Completes with the new version, or <c>null</c> when the sidecar is missing or has another version
    /// (nothing is written in that case). Content over <see cref="SidecarLimits.MaxBytes"/> throws
    /// <see cref="SidecarTooLargeException"/> before the store is touched.
    /// </summary>
    Task<SidecarVersion?> TryReplaceAsync(SidecarKey key, ReadOnlyMemory<byte> content, SidecarVersion expected, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the sidecar only if its current version is <paramref name="expected"/> (compare-and-swap).
    /// Completes with <c>true</c> when this call removed it; <c>false</c> when it was missing or had another
    /// version (nothing is removed in that case).
    /// </summary>
    Task<bool> TryDeleteAsync(SidecarKey key, SidecarVersion expected, CancellationToken cancellationToken = default);
}
