using Akka.Actor;
using Akka.Cluster;
using Akka.Remote;
using Akka.Remote.Transport;
using LockActors.TestServers.Backends;
using Xunit;
using Xunit.Abstractions;
using AkkaCluster = Akka.Cluster.Cluster;

namespace LockActors.Coordination.Tests.Cluster;

/// <summary>
/// The Split Brain Resolver's <c>lease-majority</c> strategy with <see cref="LockActorsLease"/> deciding a real network
/// partition: three nodes in this process (remoting on 127.0.0.1), the link between {a, b} and {c} black-holed by Akka's
/// throttler transport adapter. Both sides see the other as unreachable and ask for the SBR lease; only the side that
/// gets it survives, and it downs the other side, whose actor system shuts down.
/// </summary>
public sealed class SplitBrainLeaseTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(6);

    private const string ClusterHocon = """
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0, applied-adapters = [trttl] }
        akka.cluster {
          downing-provider-class = "Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster"
          split-brain-resolver {
            active-strategy = lease-majority
            stable-after = 2s
            lease-majority {
              lease-implementation = "akka.coordination.lease.lock-actors"
              acquire-lease-delay-for-minority = 2s
            }
          }
          failure-detector { heartbeat-interval = 200ms, acceptable-heartbeat-pause = 1s }
          run-coordinated-shutdown-when-down = on
        }
        """;

    [Theory]
    [InlineData("file")]
    [InlineData("s3")]
    public async Task Only_the_side_that_gets_the_lease_survives_a_partition(string store)
    {
        var under = store == "file" ? TestBackends.File : TestBackends.S3;
        var root = LeaseNodes.RootFor(under.NewTargetUri);
        await using var nodes = new LeaseNodes(root, under.Hocon, Ttl, extra: ClusterHocon);
        var systemName = $"sbr-{store}";
        var a = nodes.Start(systemName);
        AkkaCluster.Get(a).Join(AkkaCluster.Get(a).SelfAddress);
        var b = nodes.Start(systemName);
        var c = nodes.Start(systemName);
        AkkaCluster.Get(b).Join(AkkaCluster.Get(a).SelfAddress);
        AkkaCluster.Get(c).Join(AkkaCluster.Get(a).SelfAddress);
        await WaitUntilAsync(() => new[] { a, b, c }.All(n => UpCount(n) == 3), "all three nodes are up");

        var partitionedAt = DateTime.UtcNow;
        await BlackholeAsync(a, c);
        await BlackholeAsync(b, c);

        // The majority side {a, b} acquires at once; c waits acquire-lease-delay-for-minority, fails, and downs itself.
        await WaitUntilAsync(() => c.WhenTerminated.IsCompleted, "the minority node c has shut down", TimeSpan.FromSeconds(60));
        await WaitUntilAsync(
            () => new[] { a, b }.All(n => AkkaCluster.Get(n).State.Members.All(m => m.Address != AkkaCluster.Get(c).SelfAddress)),
            "a and b removed c", TimeSpan.FromSeconds(60));
        var decided = DateTime.UtcNow - partitionedAt;

        Assert.False(a.WhenTerminated.IsCompleted, "a (majority side, lease holder's side) must survive");
        Assert.False(b.WhenTerminated.IsCompleted, "b (majority side) must survive");
        Assert.Equal(2, UpCount(a));

        // The lease that decided it names an owner on the surviving side.
        var leaseTarget = LeaseTargetName.TargetUri(root, $"{systemName}-akka-sbr");
        var info = await LockActorsExtension.Get(a).Client.GetInfoAsync(leaseTarget);
        Assert.True(info.IsHeld, $"no SBR lease at {leaseTarget}");
        var survivors = new[] { a, b }.Select(n => AkkaCluster.Get(n).SelfAddress).ToArray();
        Assert.Contains(survivors, s => info.Metadata!.OwnerId.Contains($"{s.Host}:{s.Port}", StringComparison.Ordinal));
        output.WriteLine($"{store}:// SBR lease-majority: partition {{a, b}} | {{c}} decided in {decided.TotalSeconds:0.0} s; lease owner {info.Metadata!.OwnerId}; c shut down, a and b up");
    }

    private static int UpCount(ActorSystem node) => AkkaCluster.Get(node).State.Members.Count(m => m.Status == MemberStatus.Up);

    /// <summary>Drops every message between <paramref name="from"/> and <paramref name="to"/>, both ways, as a partition does.</summary>
    private static async Task BlackholeAsync(ActorSystem from, ActorSystem to)
    {
        var transport = ((IRemoteActorRefProvider)((ExtendedActorSystem)from).Provider).Transport;
        var target = AkkaCluster.Get(to).SelfAddress;
        Assert.True(await transport.ManagementCommand(new SetThrottle(target, ThrottleTransportAdapter.Direction.Both, Blackhole.Instance)), "the throttler refused the blackhole");
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
