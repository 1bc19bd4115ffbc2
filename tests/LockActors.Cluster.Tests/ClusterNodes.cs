using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using LockActors.Configuration;
using LockActors.Storage.Stores.Memory;
using LockActors.TestServers.Faults;
using AkkaCluster = Akka.Cluster.Cluster;

namespace LockActors.Cluster.Tests;

/// <summary>
/// An in-process cluster: actor systems ("nodes") with remoting on 127.0.0.1 (port 0), cluster mode on, and one
/// shared mem:// store seen by every node through a <see cref="FaultInjectingStore"/> whose timeline counts the store
/// requests. Disposing terminates every node.
/// </summary>
public sealed class ClusterNodes : IAsyncDisposable
{
    /// <summary>The cluster HOCON of every node (loopback only; fast failure detection for tests).</summary>
    public const string ClusterHocon = """
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
        lock-actors.poll-interval = 50ms
        lock-actors.max-poll-interval = 250ms
        """;

    private readonly List<ActorSystem> _nodes = [];
    private readonly string _name = "cluster-" + Guid.NewGuid().ToString("N")[..6];
    private readonly string _extra;

    /// <summary>A cluster whose nodes share <see cref="Store"/>; <paramref name="extra"/> is more HOCON for every node.</summary>
    public ClusterNodes(string extra = "")
    {
        _extra = extra;
        Store = new FaultInjectingStore(new MemoryLockStore(), name: "shared") { OwnsInner = true };
    }

    /// <summary>The store every node uses for mem:// (requests recorded on its timeline).</summary>
    public FaultInjectingStore Store { get; }

    /// <summary>The nodes started so far.</summary>
    public IReadOnlyList<ActorSystem> Nodes => _nodes;

    /// <summary>Store calls made so far (each is one request to the store).</summary>
    public int StoreRequests => Store.Timeline.Where(e => e.Kind == StoreEventKind.Called).Count;

    /// <summary>Starts <paramref name="count"/> nodes and waits until all are up.</summary>
    public async Task<IReadOnlyList<ActorSystem>> StartAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            Start(ConfigurationFactory.ParseString(ClusterHocon));
        }

        await WaitUntilAsync(() => _nodes.All(n => AkkaCluster.Get(n).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up) == _nodes.Count), "every node is up");
        return _nodes;
    }

    /// <summary>Starts one node with <paramref name="config"/> (over the common HOCON) and joins it to the first.</summary>
    public ActorSystem Start(Config config)
    {
        var full = config.WithFallback(ConfigurationFactory.ParseString(_extra)).WithFallback(ConfigurationFactory.ParseString(ClusterHocon));
        var setup = ActorSystemSetup.Create(BootstrapSetup.Create().WithConfig(full), new LockActorsSetup(r => r.Register("mem", Store)));
        var node = ActorSystem.Create(_name, setup);
        lock (_nodes)
        {
            _nodes.Add(node);
        }

        var seed = AkkaCluster.Get(_nodes[0]).SelfAddress;
        AkkaCluster.Get(node).Join(seed);
        _ = LockActorsExtension.Get(node);
        return node;
    }

    /// <summary>A target on the shared store.</summary>
    public static string NewTarget(string name = "file.csv") => $"mem://cluster/{Guid.NewGuid():N}/{name}";

    /// <summary>Polls <paramref name="condition"/> until true (30 s at most).</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting until {what}");
            }

            await Task.Delay(20);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        ActorSystem[] nodes;
        lock (_nodes)
        {
            nodes = [.. _nodes];
        }

        await Task.WhenAll(nodes.Select(n => n.Terminate().WaitAsync(TimeSpan.FromSeconds(15)).ContinueWith(_ => { }, TaskScheduler.Default)));
        await Store.DisposeAsync();
    }
}
