using LockActors.Storage.Stores.Memory;
using LockActors.Storage.Tests.Conformance;

namespace LockActors.Storage.Tests.Stores;

public sealed class MemoryLockStoreConformanceTests : LockStoreConformanceTests
{
    private readonly string _namespace = "ns-" + Guid.NewGuid().ToString("N")[..8];
    private MemoryLockStore _store = null!;

    protected override Task<ILockStore> CreateStoreAsync() => Task.FromResult<ILockStore>(_store = new MemoryLockStore());

    protected override string NewTargetUri(string name) => $"mem://{_namespace}/{Guid.NewGuid():N}/{name}";

    protected override string? TargetInMissingLocation() => null;

    protected override Task WriteRawAsync(SidecarKey key, byte[] content)
    {
        _store.WriteRaw(key, content);
        return Task.CompletedTask;
    }
}
