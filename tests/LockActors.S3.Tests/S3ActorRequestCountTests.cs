using System.Diagnostics;
using Akka.Configuration;
using LockActors.Client;
using LockActors.Configuration;
using LockActors.Storage;
using LockActors.S3;
using LockActors.TestServers.S3;
using Xunit;
using Xunit.Abstractions;
using LockActors.Storage.Backends;

namespace LockActors.S3.Tests;

/// <summary>
/// What an uncontended lock costs on s3:// through the actors, counted by the store's own request counter, with
/// auto conditional delete, as the endpoint probe decides it: acquire 1 PUT, heartbeat 1 PUT; where DELETE If-Match is
/// honoured (AWS) release 1 DELETE and re-acquire 1 PUT; where it is ignored (Ceph RGW 16.2: tombstones) release 1 PUT
/// (tombstone) and re-acquire 3 (refused PUT, GET of the tombstone, CAS PUT). Plus acquire + release latency.
/// </summary>
public sealed class S3ActorRequestCountTests : Akka.TestKit.Xunit2.TestKit
{
    private readonly ITestOutputHelper _output;

    public S3ActorRequestCountTests(ITestOutputHelper output)
        : base(ConfigurationFactory.ParseString(S3TestServer.Hocon()).WithFallback(LockActorsSettings.ReferenceConfig), output: output)
    {
        _output = output;
    }

    private LockActorsExtension Locks => LockActorsExtension.Get(Sys);

    private async Task<S3LockStore> WarmStoreAsync() => (await WarmStoreWithProfileAsync()).Store;

    private async Task<(S3LockStore Store, S3EndpointProfile Profile)> WarmStoreWithProfileAsync()
    {
        var store = (S3LockStore)Locks.Stores.Resolve("s3");
        return (store, await store.ProbeAsync(S3TestServer.Bucket));
    }

    private static string NewTarget() => $"s3://{S3TestServer.Bucket}/counts/{Guid.NewGuid():N}/file.csv";

    [Fact]
    public async Task Uncontended_acquire_heartbeat_and_release_cost_one_request_each()
    {
        var (store, profile) = await WarmStoreWithProfileAsync();
        var target = NewTarget();

        var before = store.Requests.Snapshot();
        var handle = await Locks.Client.AcquireAsync(target, new LockOptions { Ttl = TimeSpan.FromSeconds(3) });
        var acquire = store.Requests.Snapshot() - before;

        // TTL 3 s → a renewal every second.
        before = store.Requests.Snapshot();
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var heartbeats = store.Requests.Snapshot() - before;

        before = store.Requests.Snapshot();
        await handle.ReleaseAsync();
        var release = store.Requests.Snapshot() - before;

        before = store.Requests.Snapshot();
        await using (await Locks.Client.AcquireAsync(target, new LockOptions { Ttl = TimeSpan.FromSeconds(3) }))
        {
        }

        var reacquireAndRelease = store.Requests.Snapshot() - before;
        _output.WriteLine($"probe: {string.Join("; ", profile.Findings)}");
        _output.WriteLine($"acquire: {acquire}; 2.5 s of heartbeats: {heartbeats}; release: {release}; re-acquire + release: {reacquireAndRelease}");
        Assert.Equal("PUT 1", acquire.ToString());
        Assert.InRange(heartbeats["PUT"], 2, 3);
        Assert.Equal(heartbeats["PUT"], heartbeats.Total);
        if (profile.DeleteEnforced)
        {
            Assert.Equal("DELETE 1", release.ToString());
            Assert.Equal("DELETE 1, PUT 1", reacquireAndRelease.ToString());
        }
        else
        {
            Assert.Equal("PUT 1", release.ToString());
            Assert.Equal("GET 1, PUT 3", reacquireAndRelease.ToString());
        }
    }

    [Fact]
    public async Task Median_acquire_plus_release_through_the_actors()
    {
        var store = await WarmStoreAsync();
        var samples = new List<double>();
        var before = store.Requests.Snapshot();
        for (var i = 0; i < 220; i++)
        {
            var watch = Stopwatch.StartNew();
            var handle = await Locks.Client.AcquireAsync(NewTarget());
            await handle.ReleaseAsync();
            samples.Add(watch.Elapsed.TotalMilliseconds);
        }

        var cost = store.Requests.Snapshot() - before;
        var measured = samples.Skip(20).Order().ToArray();
        _output.WriteLine($"acquire+release via LockClient on RGW over {measured.Length} iterations (20 warm-up dropped): " +
                         $"median {measured[measured.Length / 2]:F2} ms, p95 {measured[(int)(measured.Length * 0.95)]:F2} ms; {cost.Total / 220.0:F2} requests each");
        Assert.InRange(measured[measured.Length / 2], 0, 1000);
        Assert.Equal(StoreClock.Server, store.Capabilities.Clock);
    }
}
