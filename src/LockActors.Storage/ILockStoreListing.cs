namespace LockActors.Storage;

/// <summary>
/// An optional capability of a store: naming the sidecars under a <see cref="LockPrefix"/>, for operators' tools
/// (<c>lockctl list</c>, <c>lockctl watch</c>). The lock protocol never lists; a store without it still locks.
/// </summary>
/// <remarks>
/// A listing is a set of names, not a snapshot of locks: read each with <see cref="ILockStore.ReadAsync"/>, which may
/// find it gone, or released (a store that releases by tombstone lists the tombstone's name and reads it as absent).
/// Only regular files or objects whose name ends with <c>.lock</c> and that are the sidecar of a valid target are
/// named; special files and symbolic links are skipped, never followed. A prefix under which nothing exists (also a
/// missing folder) lists nothing; a missing bucket throws <see cref="StoreLocationNotFoundException"/> or
/// <see cref="StoreUnavailableException"/>, and other failures the store's usual <see cref="LockStoreException"/>s.
/// </remarks>
public interface ILockStoreListing
{
    /// <summary>The sidecars under <paramref name="prefix"/>, at any depth (the built-in stores name them in path order).</summary>
    /// <exception cref="InvalidLockTargetException">The prefix has another scheme, or lies outside the store's configured root.</exception>
    IAsyncEnumerable<SidecarKey> ListSidecarsAsync(LockPrefix prefix, CancellationToken cancellationToken = default);
}
