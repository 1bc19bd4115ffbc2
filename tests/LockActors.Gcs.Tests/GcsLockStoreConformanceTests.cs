using LockActors.Gcs;
using LockActors.Storage.Tests.Conformance;
using Xunit;
using LockActors.TestServers.Gcs;

namespace LockActors.Gcs.Tests;

/// <summary>The shared store contract, unchanged, against the in-repo GCS emulator.</summary>
public sealed class GcsLockStoreConformanceTests(GcsTestEmulator fixture) : LockStoreConformanceTests, IClassFixture<GcsTestEmulator>
{
    protected override Task<ILockStore> CreateStoreAsync() => Task.FromResult<ILockStore>(new GcsLockStore(fixture.Settings));

    // A new GcsLockStore owns a new HttpClient and connection pool: the emulator sees separate clients.
    protected override Task<ILockStore> CreateIndependentStoreAsync() => CreateStoreAsync();

    protected override string NewTargetUri(string name) => GcsTestEmulator.NewTargetUri(name);

    protected override string TargetInMissingLocation() => "gs://no-such-bucket-" + Guid.NewGuid().ToString("N")[..8] + "/x.csv";

    protected override Task WriteRawAsync(SidecarKey key, byte[] content)
    {
        fixture.Emulator.PutObject(key.Authority, key.ObjectName, content);
        return Task.CompletedTask;
    }
}
