using System.Text;
using LockActors.S3;
using Xunit;
using Xunit.Abstractions;
using LockActors.Storage.Backends;
using LockActors.TestServers.S3;

namespace LockActors.S3.Tests;

/// <summary>
/// HTTP requests per uncontended lock operation, counted below the SDK. Physical minimum is 1 each.
/// Native conditional delete: acquire 1 (PUT), heartbeat 1 (PUT), release 1 (DELETE).
/// Tombstones: acquire of a fresh key 1, heartbeat 1, release 1 (PUT of the tombstone), acquire over a
/// tombstone 3 (refused PUT, GET, CAS PUT).
/// </summary>
public sealed class S3RequestCountTests(ITestOutputHelper output)
{
    private static byte[] Metadata(int n) => Encoding.UTF8.GetBytes($"{{\"lockId\":\"{Guid.NewGuid():N}\",\"beat\":{n}}}");

    private static SidecarKey NewKey() => LockTarget.Parse(S3TestServer.NewTargetUri("counted.csv")).Sidecar;

    private static async Task<(T Result, StoreRequestCounts Cost)> Measure<T>(S3LockStore store, Func<Task<T>> operation)
    {
        var before = store.Requests.Snapshot();
        var result = await operation();
        return (result, store.Requests.Snapshot() - before);
    }

    [Fact]
    public async Task Native_delete_mode_costs_one_request_per_acquire_heartbeat_and_release()
    {
        await using var store = S3TestServer.NewStore(S3TestServer.Settings().WithConditionalDelete(S3ConditionalDeleteMode.Native), new ConditionalDeleteEmulator());
        await store.ProbeAsync(S3TestServer.Bucket);
        var key = NewKey();

        var (v1, acquire) = await Measure(store, () => store.TryCreateAsync(key, Metadata(0)));
        var (v2, heartbeat) = await Measure(store, () => store.TryReplaceAsync(key, Metadata(1), v1!.Value));
        var (released, release) = await Measure(store, () => store.TryDeleteAsync(key, v2!.Value));
        var (_, read) = await Measure(store, () => store.ReadAsync(key));

        Assert.True(released);
        Assert.Equal("PUT 1", acquire.ToString());
        Assert.Equal("PUT 1", heartbeat.ToString());
        Assert.Equal("DELETE 1", release.ToString());
        Assert.Equal(1, read.Total);
        output.WriteLine($"native: acquire {acquire}; heartbeat {heartbeat}; release {release}; read {read}");
    }

    [Fact]
    public async Task Tombstone_mode_costs_one_request_each_and_three_to_acquire_over_a_tombstone()
    {
        await using var store = S3TestServer.NewStore(S3TestServer.Settings().WithConditionalDelete(S3ConditionalDeleteMode.Tombstone));
        await store.ProbeAsync(S3TestServer.Bucket);
        var key = NewKey();

        var (v1, acquire) = await Measure(store, () => store.TryCreateAsync(key, Metadata(0)));
        var (v2, heartbeat) = await Measure(store, () => store.TryReplaceAsync(key, Metadata(1), v1!.Value));
        var (released, release) = await Measure(store, () => store.TryDeleteAsync(key, v2!.Value));
        var (again, reacquire) = await Measure(store, () => store.TryCreateAsync(key, Metadata(2)));
        var (held, contended) = await Measure(store, () => store.TryCreateAsync(key, Metadata(3)));

        Assert.True(released);
        Assert.NotNull(again);
        Assert.Null(held);
        Assert.Equal("PUT 1", acquire.ToString());
        Assert.Equal("PUT 1", heartbeat.ToString());
        Assert.Equal("PUT 1", release.ToString());
        Assert.Equal("GET 1, PUT 2", reacquire.ToString());
        Assert.Equal("GET 1, PUT 1", contended.ToString());
        output.WriteLine($"tombstone: acquire {acquire}; heartbeat {heartbeat}; release {release}; acquire over tombstone {reacquire}; refused acquire {contended}");
    }
}
