using System.Collections.Concurrent;
using LockActors.Storage;

namespace LockActors.Telemetry;

/// <summary>
/// The one place where a store becomes the store a lock actor is given: measured (<see cref="InstrumentedLockStore"/>),
/// one wrapper per store and scheme. Used by the local <c>LockManager</c> and by cluster mode's entity props alike, so
/// store operations are counted the same whichever hosts the target's actor. Thread-safe: a shard region builds entity
/// props on its shards' threads.
/// </summary>
internal sealed class InstrumentedStores
{
    private readonly ConcurrentDictionary<(ILockStore Store, string Scheme), ILockStore> _wrapped = new();

    /// <summary><paramref name="store"/> as lock actors see it: measured under <paramref name="scheme"/>.</summary>
    public ILockStore For(ILockStore store, string scheme) =>
        _wrapped.GetOrAdd((store, scheme), static key => InstrumentedLockStore.Wrap(key.Store, key.Scheme));
}
