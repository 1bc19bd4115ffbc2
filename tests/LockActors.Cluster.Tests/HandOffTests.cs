using System.Diagnostics;
using LockActors.Client;
using LockActors.TestServers.Faults;
using Xunit;
using Xunit.Abstractions;

namespace LockActors.Cluster.Tests;

/// <summary>Cross-node contention in cluster mode: one entity per target, hand-off without polling, contended tries from memory.</summary>
public sealed class HandOffTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Waiter_on_another_node_gets_the_lock_on_release_with_one_store_write_and_no_polling()
    {
        await using var cluster = new ClusterNodes();
        var nodes = await cluster.StartAsync(3);
        var a = LockActorsExtension.Get(nodes[0]).Client;
        var b = LockActorsExtension.Get(nodes[1]).Client;
        var target = ClusterNodes.NewTarget();

        var held = await a.AcquireAsync(target, new LockOptions { Ttl = Ttl });
        var waiting = b.AcquireAsync(target, new LockOptions { Ttl = Ttl, AcquireTimeout = TimeSpan.FromSeconds(20) });
        await Task.Delay(1500); // a poller would re-read the sidecar several times by now (poll-interval 50 ms)
        var requestsWhileWaiting = cluster.Store.Timeline.Where(e => e.Kind == StoreEventKind.Called && e.Primitive == StorePrimitive.Read).Count;
        Assert.False(waiting.IsCompleted);

        var before = cluster.StoreRequests;
        var watch = Stopwatch.StartNew();
        await held.ReleaseAsync();
        await using var mine = await waiting;
        var handOff = watch.Elapsed;
        var requests = cluster.StoreRequests - before;
        output.WriteLine($"hand-off {handOff.TotalMilliseconds:F1} ms, {requests} store request(s); reads while waiting: {requestsWhileWaiting}");
        Assert.True(mine.FencingToken > held.FencingToken);
        Assert.Equal(1, requests); // one compare-and-swap from the releaser's sidecar to the waiter's
        Assert.Equal(0, requestsWhileWaiting);
        Assert.True(mine.CheckLease());
    }

    [Fact]
    public async Task Contended_try_acquire_from_any_node_is_answered_without_a_store_request()
    {
        await using var cluster = new ClusterNodes();
        var nodes = await cluster.StartAsync(3);
        var target = ClusterNodes.NewTarget();
        await using var held = await LockActorsExtension.Get(nodes[0]).Client.AcquireAsync(target, new LockOptions { Ttl = Ttl });

        var before = cluster.StoreRequests;
        foreach (var node in nodes)
        {
            Assert.Null(await LockActorsExtension.Get(node).Client.TryAcquireAsync(target, new LockOptions { Ttl = Ttl }));
        }

        var error = await Assert.ThrowsAsync<LockAlreadyHeldException>(() =>
            LockActorsExtension.Get(nodes[2]).Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, AcquireTimeout = TimeSpan.Zero }));
        Assert.Equal(held.LockId, error.Holder!.LockId);
        Assert.Equal(0, cluster.StoreRequests - before);
    }

    [Fact]
    public async Task Holder_on_another_node_keeps_its_lock_beyond_the_ttl_through_entity_renewals()
    {
        await using var cluster = new ClusterNodes();
        var nodes = await cluster.StartAsync(2);
        var target = ClusterNodes.NewTarget();
        var ttl = TimeSpan.FromSeconds(2);
        // Held from both nodes' point of view: whichever hosts the entity, the other node's handle is remote.
        await using var first = await LockActorsExtension.Get(nodes[0]).Client.AcquireAsync(target, new LockOptions { Ttl = ttl });
        await Task.Delay(ttl * 3);
        Assert.True(first.CheckLease(), "the lease ran out on the holder's node although the entity renewed it");
        var info = await LockActorsExtension.Get(nodes[1]).Client.GetInfoAsync(target);
        Assert.Equal(first.LockId, info.Metadata!.LockId);
    }
}
