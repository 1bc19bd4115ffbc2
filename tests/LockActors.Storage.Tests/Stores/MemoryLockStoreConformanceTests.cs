using LockActors.Storage.Stores.Memory;
using LockActors.Storage.Tests.Conformance;

namespace LockActors.Storage.Tests.Stores;

public sealed class MemoryLockStoreConformanceTests : LockStoreConformanceTests
{
    private readonly string _namespace = "ns-" + Guid.NewGuid().ToString("N")[..8];
    private MemoryLockStore _store = null!;

    protected override Task<ILockStore> CreateStoreAsync() => Task.FromResult<ILockStore>(_store = new MemoryLockStore());

    // A MemoryLockStore is a world of its own: two instances share nothing, so "another connection" to the same
    // backend is the same instance. Its races are decided by ConcurrentDictionary CAS on the shared dictionary,
    // which is what the multi-instance races exercise here (racers on one instance from many threads).
    protected override Task<ILockStore> CreateIndependentStoreAsync() => Task.FromResult<ILockStore>(_store);

    protected override string NewTargetUri(string name) => $"mem://{_namespace}/{Guid.NewGuid():N}/{name}";

    protected override string? TargetInMissingLocation() => null;

    protected override Task WriteRawAsync(SidecarKey key, byte[] content)
    {
        _store.WriteRaw(key, content);
        return Task.CompletedTask;
    }
}
