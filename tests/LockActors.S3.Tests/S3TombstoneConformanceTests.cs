using LockActors.S3;
using LockActors.Storage.Tests.Conformance;
using Xunit;
using LockActors.TestServers.S3;

namespace LockActors.S3.Tests;

/// <summary>
/// The conformance suite against Ceph RGW 16.2 in the default mode (strict probe, conditional-delete = auto).
/// RGW ignores DELETE If-Match, so auto must pick tombstones: every delete below is a CAS-overwrite to a tombstone.
/// </summary>
public sealed class S3TombstoneConformanceTests : LockStoreConformanceTests
{
    protected override Task<ILockStore> CreateStoreAsync() => Task.FromResult<ILockStore>(new S3LockStore(S3TestServer.Settings()));

    // A new S3LockStore owns a new AmazonS3Client, HttpClient and connection pool, and runs its own endpoint probe.
    protected override Task<ILockStore> CreateIndependentStoreAsync() => CreateStoreAsync();

    protected override string NewTargetUri(string name) => S3TestServer.NewTargetUri(name);

    protected override string TargetInMissingLocation() => $"s3://lockactors-missing-{Guid.NewGuid():N}/x.csv";

    protected override Task WriteRawAsync(SidecarKey key, byte[] content) => S3TestServer.WriteRawAsync(key, content);

    [Fact]
    public async Task Auto_mode_chooses_tombstones_on_an_endpoint_that_ignores_conditional_delete()
    {
        var profile = await ((S3LockStore)Store).ProbeAsync(S3TestServer.Bucket);
        Assert.True(profile.IsSafeForLocking, string.Join("; ", profile.Findings));
        Assert.False(profile.DeleteEnforced, "Ceph RGW 16.2 is known to ignore DELETE If-Match");
        Assert.Contains("tombstone", Store.Capabilities.Mechanism, StringComparison.Ordinal);
    }
}
