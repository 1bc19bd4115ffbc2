using Akka.Actor;
using Akka.Cluster.Tools.Singleton;
using LockActors.TestServers.Backends;
using Xunit;
using Xunit.Abstractions;
using AkkaCluster = Akka.Cluster.Cluster;

namespace LockActors.Coordination.Tests.Cluster;

/// <summary>
/// A Cluster Singleton with <c>use-lease</c> on file:// and s3:// (RGW; two nodes in this process, remoting on 127.0.0.1): never two
/// instances at once, and after the oldest node is downed or crashes the next one starts the singleton only once it
/// holds the lease. The failover times are written to the test output.
/// </summary>
public sealed class SingletonLeaseTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(6);

    private static string ClusterHocon(bool crashOnTerminate) => $$"""
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
        akka.cluster.downing-provider-class = ""
        akka.cluster.singleton.use-lease = "akka.coordination.lease.lock-actors"
        akka.cluster.singleton.lease-retry-interval = 200ms
        akka.coordinated-shutdown.run-by-actor-system-terminate = {{(crashOnTerminate ? "off" : "on")}}
        """;

    private static StoreUnderTest Store(string name) => name switch
    {
        "file" => TestBackends.File,
        "s3" => TestBackends.S3,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "no such store under test"),
    };

    private static LeaseNodes Nodes(string store, bool crashOnTerminate) =>
        new(LeaseNodes.RootFor(Store(store).NewTargetUri), Store(store).Hocon, Ttl, extra: ClusterHocon(crashOnTerminate));

    [Theory]
    [InlineData("file")]
    [InlineData("s3")]
    public async Task Downed_oldest_stops_its_singleton_before_the_next_node_starts_one(string store)
    {
        var record = new SingletonRecord();
        await using var nodes = Nodes(store, crashOnTerminate: false);
        var (a, b) = await StartClusterAsync(nodes, $"singleton-downed-{store}", record);

        var downedAt = record.Now;
        AkkaCluster.Get(b).Down(AkkaCluster.Get(a).SelfAddress);
        var startedOnB = await WaitForStartAsync(record, "b", TimeSpan.FromSeconds(60));

        output.WriteLine($"{store}:// singleton failover after Down of the oldest (node alive; the downed node does not release the lease, it expires): {(startedOnB - downedAt).TotalSeconds:0.00} s");
        output.WriteLine(record.Describe());
        Assert.Equal(1, record.MaxRunning);
    }

    [Theory]
    [InlineData("file")]
    [InlineData("s3")]
    public async Task Crashed_oldest_keeps_the_singleton_away_from_the_next_node_until_its_lease_expires(string store)
    {
        var record = new SingletonRecord();
        await using var nodes = Nodes(store, crashOnTerminate: true);
        var (a, b) = await StartClusterAsync(nodes, $"singleton-crash-{store}", record);

        // A crash: no coordinated shutdown, no cluster leave, no lease release; the sidecar stays until its TTL runs out.
        var addressOfA = AkkaCluster.Get(a).SelfAddress;
        var crashedAt = record.Now;
        await a.Terminate();
        AkkaCluster.Get(b).Down(addressOfA);
        var startedOnB = await WaitForStartAsync(record, "b", TimeSpan.FromSeconds(60));

        var failover = startedOnB - crashedAt;
        output.WriteLine($"{store}:// singleton failover after a crash of the oldest (lease TTL {Ttl.TotalSeconds:0} s): {failover.TotalSeconds:0.00} s");
        output.WriteLine(record.Describe());
        Assert.Equal(1, record.MaxRunning);
        // The lease, not the cluster, decided: the last renewal of a was at most TTL / 3 before the crash.
        Assert.True(failover >= Ttl - (Ttl / 3) - TimeSpan.FromMilliseconds(500), $"b started the singleton {failover} after the crash, before a's lease could have expired");
    }

    private static async Task<(ActorSystem A, ActorSystem B)> StartClusterAsync(LeaseNodes nodes, string systemName, SingletonRecord record)
    {
        var a = nodes.Start(systemName);
        AkkaCluster.Get(a).Join(AkkaCluster.Get(a).SelfAddress);
        await WaitUntilAsync(() => AkkaCluster.Get(a).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up) == 1, "a is up");
        StartSingleton(a, "a", record);
        await WaitForStartAsync(record, "a", TimeSpan.FromSeconds(30));

        var b = nodes.Start(systemName);
        AkkaCluster.Get(b).Join(AkkaCluster.Get(a).SelfAddress);
        await WaitUntilAsync(() => AkkaCluster.Get(b).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up) == 2, "b is up");
        StartSingleton(b, "b", record);
        return (a, b);
    }

    private static void StartSingleton(ActorSystem node, string name, SingletonRecord record) =>
        node.ActorOf(
            ClusterSingletonManager.Props(Props.Create(() => new SingletonWitness(record, name)), PoisonPill.Instance, ClusterSingletonManagerSettings.Create(node)),
            "witness");

    private static async Task<TimeSpan> WaitForStartAsync(SingletonRecord record, string node, TimeSpan timeout)
    {
        await WaitUntilAsync(() => record.StartedOn(node) is not null, $"the singleton starts on {node} ({record.Describe()})", timeout);
        return record.StartedOn(node)!.Value;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(20);
        }
    }
}
