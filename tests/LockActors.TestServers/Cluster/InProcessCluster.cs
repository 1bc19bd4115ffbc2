using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using LockActors.Configuration;
using LockActors.Storage;
using AkkaCluster = Akka.Cluster.Cluster;

namespace LockActors.TestServers.Cluster;

/// <summary>
/// Actor systems ("nodes") of one Akka.NET cluster in this process: remoting on 127.0.0.1 (port 0), LockActors cluster
/// mode on, every node joined to the first and given the same stores. Shared by the cluster-mode tests and the
/// benchmarks, so there is one definition of how an in-process cluster is set up. Disposing terminates every node; the
/// stores stay the caller's (a registry disposes what it holds: register a store that ignores disposal if it is shared).
/// </summary>
/// <remarks>The host project must reference LockActors.Cluster (the provider <c>lock-actors.cluster.provider</c> names).</remarks>
public sealed class InProcessCluster : IAsyncDisposable
{
    /// <summary>The cluster HOCON of every node: loopback only, no downing provider, sharding that retries quickly.</summary>
    public const string Hocon = """
        akka.loglevel = WARNING
        akka.actor.provider = cluster
        akka.coordinated-shutdown.phases.cluster-exiting.timeout = 2s
        akka.coordinated-shutdown.phases.cluster-sharding-shutdown-region.timeout = 3s
        akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
        akka.cluster.downing-provider-class = ""
        akka.cluster.sharding.distributed-data.durable.keys = []
        akka.cluster.sharding.retry-interval = 200ms
        akka.cluster.sharding.waiting-for-state-timeout = 500ms
        akka.cluster.sharding.updating-state-timeout = 500ms
        lock-actors.cluster.enabled = on
        """;

    private readonly List<ActorSystem> _nodes = [];
    private readonly string _name;
    private readonly Config _common;
    private readonly Action<LockStoreRegistry> _stores;

    /// <summary>
    /// A cluster whose nodes get their stores from <paramref name="stores"/>; <paramref name="extra"/> is HOCON for
    /// every node over <see cref="Hocon"/>.
    /// </summary>
    public InProcessCluster(Action<LockStoreRegistry> stores, string extra = "", string name = "cluster")
    {
        _stores = stores;
        _name = name + "-" + Guid.NewGuid().ToString("N")[..6];
        _common = ConfigurationFactory.ParseString(extra).WithFallback(ConfigurationFactory.ParseString(Hocon));
    }

    /// <summary>The nodes started so far, in start order (the first is the seed).</summary>
    public IReadOnlyList<ActorSystem> Nodes
    {
        get
        {
            lock (_nodes)
            {
                return [.. _nodes];
            }
        }
    }

    /// <summary>Starts <paramref name="count"/> nodes and waits until every node sees all of them up.</summary>
    public async Task<IReadOnlyList<ActorSystem>> StartAsync(int count, TimeSpan? within = null)
    {
        for (var i = 0; i < count; i++)
        {
            Start(ConfigurationFactory.Empty);
        }

        await WaitUntilUpAsync(within).ConfigureAwait(false);
        return Nodes;
    }

    /// <summary>Starts one node with <paramref name="config"/> (over the common HOCON), joins it to the first and starts LockActors on it.</summary>
    public ActorSystem Start(Config config)
    {
        var full = config.WithFallback(_common);
        var setup = ActorSystemSetup.Create(BootstrapSetup.Create().WithConfig(full), new LockActorsSetup(_stores));
        var node = ActorSystem.Create(_name, setup);
        ActorSystem seed;
        lock (_nodes)
        {
            _nodes.Add(node);
            seed = _nodes[0];
        }

        AkkaCluster.Get(node).Join(AkkaCluster.Get(seed).SelfAddress);
        _ = LockActorsExtension.Get(node); // the shard region starts with the extension
        return node;
    }

    /// <summary>Waits until every node sees every started node with status Up (30 s unless <paramref name="within"/>).</summary>
    public Task WaitUntilUpAsync(TimeSpan? within = null)
    {
        var nodes = Nodes;
        return WaitUntilAsync(() => nodes.All(n => AkkaCluster.Get(n).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up) == nodes.Count), "every node is up", within);
    }

    /// <summary>Polls <paramref name="condition"/> every 20 ms until true (30 s at most unless <paramref name="within"/>).</summary>
    /// <exception cref="TimeoutException">The condition did not hold in time.</exception>
    public static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting until {what}");
            }

            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Terminates every node, the first (seed, usually the leader) last: the others leave while it can still confirm
    /// their exit, instead of each waiting out <c>cluster-exiting</c>. Each is waited for at most 15 s.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        var nodes = Nodes;
        await Task.WhenAll(nodes.Skip(1).Select(TerminateAsync)).ConfigureAwait(false);
        await Task.WhenAll(nodes.Take(1).Select(TerminateAsync)).ConfigureAwait(false);
    }

    private static Task TerminateAsync(ActorSystem node) =>
        node.Terminate().WaitAsync(TimeSpan.FromSeconds(15)).ContinueWith(_ => { }, TaskScheduler.Default);
}
