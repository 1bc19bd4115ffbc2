using LockActors.Tests.Protocol;
using LockActors.Tests.Stores.Gcs;
using Xunit.Abstractions;

namespace LockActors.Tests.Stores;

/// <summary>The actor-level suite on gs:// targets, against the in-repo GCS emulator (not Google's service).</summary>
public sealed class GcsLockProtocolTests(ITestOutputHelper output) : LockProtocolSuite(Backend, output)
{
    internal static readonly StoreUnderTest Backend = new(
        "gs",
        GcsTestEmulator.Hocon(GcsTestEmulator.Shared),
        name => $"gs://{GcsTestEmulator.Bucket}/protocol/{Guid.NewGuid():N}/{name}",
        // GCS times (Last-Modified, Date) have 1 s resolution: a TTL of a few seconds keeps staleness checks meaningful.
        TimeSpan.FromSeconds(3));
}
