using System.Collections.Concurrent;
using System.Text.Json;
using Akka.Actor;
using Akka.Cluster.Sharding;
using LockActors.TestServers.Backends;
using Xunit;
using Xunit.Abstractions;
using AkkaCluster = Akka.Cluster.Cluster;

namespace LockActors.Coordination.Tests.Cluster;

/// <summary>
/// Cluster Sharding with <c>use-lease</c> on file:// (two nodes in this process): every shard holds its own lease,
/// owned by the node hosting it, and no entity runs on two nodes at once. After a node crashes, its shards start elsewhere only once
/// their leases expired.
/// </summary>
public sealed class ShardingLeaseTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(6);
    private const int Entities = 12;

    private const string ClusterHocon = """
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
        akka.cluster.downing-provider-class = ""
        akka.cluster.sharding {
          use-lease = "akka.coordination.lease.lock-actors"
          lease-retry-interval = 200ms
          state-store-mode = ddata
          remember-entities = off
          distributed-data.durable.keys = []
        }
        """;

    [Fact]
    public async Task Each_shard_holds_a_lease_owned_by_the_node_hosting_it()
    {
        var root = LeaseNodes.RootFor(TestBackends.File.NewTargetUri);
        await using var nodes = new LeaseNodes(root, TestBackends.File.Hocon, Ttl, extra: ClusterHocon);
        var (a, b, regionA, running, doubles) = await StartShardedPairAsync(nodes, "sharding-lease");

        for (var i = 0; i < Entities; i++)
        {
            await regionA.Ask<string>(new Envelope(i.ToString(System.Globalization.CultureInfo.InvariantCulture)), TimeSpan.FromSeconds(30));
        }

        // Every shard in use holds a lease whose sidecar names the node hosting it.
        // Sharding names the owner <system>@<host>:<port>.
        string[] nodeOwners = [$"sharding-lease@127.0.0.1:{AkkaCluster.Get(a).SelfAddress.Port}", $"sharding-lease@127.0.0.1:{AkkaCluster.Get(b).SelfAddress.Port}"];
        var owners = Directory.GetFiles(new Uri(root).LocalPath, "*.lock")
            .Select(f => JsonDocument.Parse(File.ReadAllText(f)).RootElement.GetProperty("ownerId").GetString()!)
            .ToList();
        output.WriteLine($"shard leases: {string.Join(", ", owners.GroupBy(o => o).Select(g => $"{g.Key} x{g.Count()}"))}");
        Assert.Equal(Extractor.Shards, owners.Count);
        Assert.All(owners, o => Assert.Contains(o, nodeOwners));
        Assert.Contains("b", running.Values);
        Assert.Equal(0, doubles.Count);
    }

    [Fact]
    public async Task Shards_of_a_crashed_node_move_only_once_their_leases_expired()
    {
        var root = LeaseNodes.RootFor(TestBackends.File.NewTargetUri);
        await using var nodes = new LeaseNodes(root, TestBackends.File.Hocon, Ttl, extra: ClusterHocon + "\nakka.coordinated-shutdown.run-by-actor-system-terminate = off");
        var (a, b, regionA, running, doubles) = await StartShardedPairAsync(nodes, "sharding-failover");
        var hostedBy = new Dictionary<string, string>();
        for (var i = 0; i < Entities; i++)
        {
            var id = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            hostedBy[id] = await regionA.Ask<string>(new Envelope(id), TimeSpan.FromSeconds(30));
        }

        var onB = hostedBy.Where(e => e.Value == "b").Select(e => e.Key).ToList();
        Assert.NotEmpty(onB);

        // A crash: no hand-off, no lease release; b's shard leases stay on the store until their TTL runs out.
        var addressOfB = AkkaCluster.Get(b).SelfAddress;
        var crashedAt = DateTime.UtcNow;
        await b.Terminate();
        AkkaCluster.Get(a).Down(addressOfB);

        var moved = new List<TimeSpan>();
        foreach (var id in onB)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (true)
            {
                try
                {
                    Assert.Equal("a", await regionA.Ask<string>(new Envelope(id), TimeSpan.FromSeconds(2)));
                    moved.Add(DateTime.UtcNow - crashedAt);
                    break;
                }
                catch (AskTimeoutException) when (DateTime.UtcNow < deadline)
                {
                    // the shard is still waiting for the crashed node's lease to expire
                }
            }
        }

        output.WriteLine($"file:// shard failover after a crash (lease TTL {Ttl.TotalSeconds:0} s): {onB.Count} entities of b answered from a after {moved.Min().TotalSeconds:0.00}–{moved.Max().TotalSeconds:0.00} s");
        Assert.Equal(0, doubles.Count);
        // The lease, not the cluster, decided: b's last renewal was at most TTL / 3 before the crash.
        Assert.True(moved.Min() >= Ttl - (Ttl / 3) - TimeSpan.FromMilliseconds(500), $"a shard of b moved {moved.Min()} after the crash, before b's lease could have expired");
    }

    /// <summary>Two nodes in one cluster, each running the "counter" region of <see cref="ShardedWitness"/> entities.</summary>
    private static async Task<(ActorSystem A, ActorSystem B, IActorRef RegionA, ConcurrentDictionary<string, string> Running, DoubleCounter Doubles)> StartShardedPairAsync(LeaseNodes nodes, string systemName)
    {
        var running = new ConcurrentDictionary<string, string>(); // entity id -> node running it
        var doubles = new DoubleCounter();
        var a = nodes.Start(systemName);
        AkkaCluster.Get(a).Join(AkkaCluster.Get(a).SelfAddress);
        var b = nodes.Start(systemName);
        AkkaCluster.Get(b).Join(AkkaCluster.Get(a).SelfAddress);
        await WaitUntilAsync(() => AkkaCluster.Get(a).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up) == 2, "both nodes are up");

        IActorRef StartRegion(ActorSystem node, string name) => ClusterSharding.Get(node).Start(
            "counter",
            Props.Create(() => new ShardedWitness(name, running, doubles.Increment)),
            ClusterShardingSettings.Create(node),
            new Extractor());
        var regionA = StartRegion(a, "a");
        StartRegion(b, "b");
        return (a, b, regionA, running, doubles);
    }

    /// <summary>Counts entities that started while another copy of them ran.</summary>
    private sealed class DoubleCounter
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public void Increment() => Interlocked.Increment(ref _count);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(20);
        }
    }

    /// <summary>A message for one entity.</summary>
    private sealed record Envelope(string EntityId);

    /// <summary>Entity id = the message's; four shards.</summary>
    private sealed class Extractor : IMessageExtractor
    {
        public const int Shards = 4;

        public string EntityId(object message) => ((Envelope)message).EntityId;

        public object EntityMessage(object message) => message;

        public string ShardId(object message) => ShardId(EntityId(message), message);

        public string ShardId(string entityId, object? messageHint = null) =>
            (int.Parse(entityId, System.Globalization.CultureInfo.InvariantCulture) % Shards).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>An entity that answers with its node's name and reports when it would run beside another copy of itself.</summary>
public sealed class ShardedWitness : ReceiveActor
{
    private readonly string _node;
    private readonly ConcurrentDictionary<string, string> _running;
    private readonly Action _double;

    public ShardedWitness(string node, ConcurrentDictionary<string, string> running, Action @double)
    {
        _node = node;
        _running = running;
        _double = @double;
        ReceiveAny(_ => Sender.Tell(_node));
    }

    protected override void PreStart()
    {
        if (!_running.TryAdd(Self.Path.Name, _node))
        {
            _double();
        }
    }

    protected override void PostStop() => _running.TryRemove(new KeyValuePair<string, string>(Self.Path.Name, _node));
}
