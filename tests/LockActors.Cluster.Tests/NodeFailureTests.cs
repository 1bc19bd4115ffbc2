using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using LockActors.Client;
using LockActors.TestServers.Faults;
using Xunit;
using Xunit.Abstractions;
using AkkaCluster = Akka.Cluster.Cluster;

namespace LockActors.Cluster.Tests;

/// <summary>
/// Store-as-truth across moves and crashes, in-process: a node hosting held locks' entities crashes (stopped without
/// leaving, then downed, as a Split Brain Resolver would) or leaves gracefully while workers on the other nodes
/// contend. Never two valid holders, never a token backwards, and the holders' grants are adopted or reported lost.
/// </summary>
public sealed class NodeFailureTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(3);

    /// <summary>A node that dies like a killed process: no coordinated shutdown, no leave, no lock release.</summary>
    private static readonly Config Crashable = ConfigurationFactory.ParseString("akka.coordinated-shutdown.run-by-actor-system-terminate = off");

    [Theory]
    [InlineData("crash")]
    [InlineData("leave")]
    public async Task Contention_across_nodes_stays_exclusive_when_an_entity_node_goes(string how)
    {
        await using var cluster = new ClusterNodes();
        await cluster.StartAsync(2);
        var victim = cluster.Start(Crashable);
        await ClusterNodes.WaitUntilAsync(() => AkkaCluster.Get(cluster.Nodes[0]).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up) == 3, "3 nodes up");
        // The victim joined last: its shard region must be known to the coordinator before the workers' shards are
        // allocated, or every shard may land on the first two nodes and the victim would host nothing.
        var (probe, probeHandle) = await AcquireWhereAsync(LockActorsExtension.Get(cluster.Nodes[0]).Client, victim, onNode: true, new LockOptions { Ttl = Ttl });
        await probeHandle.ReleaseAsync();
        var targets = Enumerable.Range(0, 12).Select(i => ClusterNodes.NewTarget($"t{i}.csv")).Append(probe).ToArray();
        var history = new ContentionHistory();
        using var stop = new CancellationTokenSource();
        var workers = cluster.Nodes.Take(2)
            .SelectMany(n => Enumerable.Range(0, 3).Select(_ => history.RunWorkerAsync(LockActorsExtension.Get(n).Client, targets, Ttl, stop.Token)))
            .ToList();

        await Task.Delay(2000);
        var onVictim = await EntitiesOnAsync(victim);
        for (var waited = 0; onVictim == 0 && waited < 50; waited++)
        {
            await Task.Delay(200); // the probe's entity may have passivated; the workers bring it back
            onVictim = await EntitiesOnAsync(victim);
        }

        var victimAddress = AkkaCluster.Get(victim).SelfAddress;
        if (how == "crash")
        {
            await victim.Terminate();
            AkkaCluster.Get(cluster.Nodes[0]).Down(victimAddress);
        }
        else
        {
            AkkaCluster.Get(victim).Leave(victimAddress);
        }

        await Task.Delay(how == "crash" ? 12000 : 6000); // the downed node's shards are reallocated, its holders' grants adopted or lost
        var holdsAfter = history.Holds.Count;
        await Task.Delay(2000);
        stop.Cancel();
        await Task.WhenAll(workers);

        output.WriteLine($"{how}: entities on the victim {onVictim}; holds {history.Holds.Count} ({history.Holds.Count(h => h.Valid)} valid), " +
            $"overlaps {history.Overlaps()}, token faults {history.TokenFaults()}, errors {history.Errors}, holds in the last 2 s {history.Holds.Count - holdsAfter}");
        Assert.True(onVictim > 0, "no entity ran on the victim: the test proved nothing");
        Assert.Equal(0, history.Overlaps());
        Assert.Equal(0, history.TokenFaults());
        Assert.True(history.Holds.Count - holdsAfter > 0, "no lock was granted after the node went: something hangs");
    }

    [Fact]
    public async Task Holder_keeps_its_lock_when_the_entity_node_leaves_and_the_next_incarnation_adopts_it()
    {
        await using var cluster = new ClusterNodes();
        await cluster.StartAsync(2);
        var victim = cluster.Start(Crashable);
        await ClusterNodes.WaitUntilAsync(() => AkkaCluster.Get(cluster.Nodes[0]).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up) == 3, "3 nodes up");
        var ttl = TimeSpan.FromSeconds(4);
        var client = LockActorsExtension.Get(cluster.Nodes[0]).Client;
        var waiterClient = LockActorsExtension.Get(cluster.Nodes[1]).Client;

        var (target, held) = await AcquireWhereAsync(client, victim, onNode: true, new LockOptions { Ttl = ttl });

        var waiting = waiterClient.AcquireAsync(target, new LockOptions { Ttl = ttl, AcquireTimeout = TimeSpan.FromSeconds(30) });
        AkkaCluster.Get(victim).Leave(AkkaCluster.Get(victim).SelfAddress);
        await ClusterNodes.WaitUntilAsync(() => AkkaCluster.Get(cluster.Nodes[0]).State.Members.Count == 2, "the victim left");
        await Task.Delay(ttl * 1.5); // longer than the lease: only renewals by the new incarnation keep it
        Assert.True(held.CheckLease(), $"the holder lost its lock when the entity moved: {held.LostReason}");
        Assert.False(waiting.IsCompleted, "the waiter got the lock while the holder still held it");
        await held.ReleaseAsync();
        await using var next = await waiting;
        Assert.True(next.FencingToken > held.FencingToken);
    }

    [Fact]
    public async Task An_adopted_grant_keeps_renewing_at_the_heartbeat_interval_it_was_made_with()
    {
        await using var cluster = new ClusterNodes();
        await cluster.StartAsync(2);
        var victim = cluster.Start(Crashable);
        await ClusterNodes.WaitUntilAsync(() => AkkaCluster.Get(cluster.Nodes[0]).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up) == 3, "3 nodes up");
        var options = new LockOptions { Ttl = TimeSpan.FromSeconds(60), HeartbeatInterval = TimeSpan.FromMilliseconds(200) }; // the default would be 20 s
        var (target, held) = await AcquireWhereAsync(LockActorsExtension.Get(cluster.Nodes[0]).Client, victim, onNode: true, options);
        var sidecar = LockTarget.Parse(target).Sidecar.ToString();

        AkkaCluster.Get(victim).Leave(AkkaCluster.Get(victim).SelfAddress);
        await ClusterNodes.WaitUntilAsync(() => AkkaCluster.Get(cluster.Nodes[0]).State.Members.Count == 2, "the victim left");
        await Task.Delay(TimeSpan.FromSeconds(2)); // the next probe finds the new incarnation, which adopts the grant
        var before = Renewals(cluster, sidecar);
        await Task.Delay(TimeSpan.FromSeconds(2));
        var renewals = Renewals(cluster, sidecar) - before;

        output.WriteLine($"renewals by the new incarnation in 2 s: {renewals} (asked every 200 ms)");
        Assert.True(held.CheckLease(), $"the holder lost its lock when the entity moved: {held.LostReason}");
        Assert.True(renewals >= 4, $"the adopted grant renewed {renewals} times in 2 s: not at the 200 ms it was made with");
        await held.ReleaseAsync();
    }

    [Fact]
    public async Task When_the_holders_node_is_downed_the_waiter_gets_the_lock_before_the_ttl_runs_out()
    {
        await using var cluster = new ClusterNodes();
        await cluster.StartAsync(2);
        var victim = cluster.Start(Crashable);
        await ClusterNodes.WaitUntilAsync(() => AkkaCluster.Get(cluster.Nodes[0]).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up) == 3, "3 nodes up");
        var ttl = TimeSpan.FromSeconds(20);

        // A target whose entity does not run on the victim, held by the victim's caller.
        var (target, held) = await AcquireWhereAsync(LockActorsExtension.Get(victim).Client, victim, onNode: false, new LockOptions { Ttl = ttl });

        var waiting = LockActorsExtension.Get(cluster.Nodes[1]).Client.AcquireAsync(target, new LockOptions { Ttl = ttl, AcquireTimeout = TimeSpan.FromSeconds(30) });
        var address = AkkaCluster.Get(victim).SelfAddress;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await victim.Terminate(); // like kill -9: no leave, no release
        AkkaCluster.Get(cluster.Nodes[0]).Down(address);
        await using var next = await waiting;
        output.WriteLine($"the waiter got the lock {watch.Elapsed.TotalSeconds:F1} s after the holder's node died (TTL {ttl.TotalSeconds} s)");
        // Released once the lease last confirmed to the downed node has run out (a downed node may only be paused:
        // ProcessClusterTests' SIGSTOP case), which is before the lock file could be judged stale.
        Assert.True(watch.Elapsed < ttl, "the grant was not released when the holder's node was downed");
        Assert.True(next.FencingToken > held.FencingToken);
    }

    /// <summary>Acquires fresh targets through <paramref name="client"/> until one's entity runs (or does not run) on <paramref name="node"/>; keeps that one.</summary>
    private static async Task<(string Target, LockHandle Held)> AcquireWhereAsync(LockClient client, ActorSystem node, bool onNode, LockOptions options)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var target = ClusterNodes.NewTarget();
            var held = await client.AcquireAsync(target, options);
            if ((await EntityIdsOnAsync(node)).Contains(LockTarget.Parse(target).Normalized) == onNode)
            {
                return (target, held);
            }

            await held.ReleaseAsync();
        }

        throw new InvalidOperationException($"no target's entity was placed {(onNode ? "on" : "off")} {node.Name} in 200 tries");
    }

    private static int Renewals(ClusterNodes cluster, string sidecar) =>
        cluster.Store.Timeline.Where(e => e.Is(sidecar, StorePrimitive.Replace, StoreEventKind.Applied) && e.Outcome == "replaced").Count;

    private static async Task<int> EntitiesOnAsync(ActorSystem node) => (await EntityIdsOnAsync(node)).Count;

    private static async Task<HashSet<string>> EntityIdsOnAsync(ActorSystem node)
    {
        var region = ClusterSharding.Get(node).ShardRegion("lock-actors");
        var state = await region.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, TimeSpan.FromSeconds(5));
        return state.Shards.SelectMany(s => s.EntityIds).ToHashSet();
    }
}
