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
/// owned by the node hosting it, and no entity runs on two nodes at once. (Failover of a crashed node's shards is not
/// covered yet.)
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
        var running = new ConcurrentDictionary<string, string>(); // entity id -> node running it
        var doubles = 0;
        await using var nodes = new LeaseNodes(root, TestBackends.File.Hocon, Ttl, extra: ClusterHocon);
        var a = nodes.Start("sharding-lease");
        AkkaCluster.Get(a).Join(AkkaCluster.Get(a).SelfAddress);
        var b = nodes.Start("sharding-lease");
        AkkaCluster.Get(b).Join(AkkaCluster.Get(a).SelfAddress);
        await WaitUntilAsync(() => AkkaCluster.Get(a).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up) == 2, "both nodes are up");

        IActorRef StartRegion(ActorSystem node, string name) => ClusterSharding.Get(node).Start(
            "counter",
            Props.Create(() => new ShardedWitness(name, running, () => Interlocked.Increment(ref doubles))),
            ClusterShardingSettings.Create(node),
            new Extractor());
        var regionA = StartRegion(a, "a");
        StartRegion(b, "b");

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
        Assert.Equal(0, Volatile.Read(ref doubles));
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
