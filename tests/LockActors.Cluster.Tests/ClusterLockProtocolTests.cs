using Akka.Actor;
using Akka.Configuration;
using LockActors.Tests.Protocol;
using LockActors.TestServers.Backends;
using Xunit.Abstractions;
using AkkaCluster = Akka.Cluster.Cluster;

namespace LockActors.Cluster.Tests;

/// <summary>
/// The shared protocol suite in cluster mode: the test's actor system and a second node form a cluster on loopback,
/// so about half the targets' entities run on the other node (every request and reply crosses the network). The
/// suite's "other processes" are plain, non-cluster actor systems on the same mem:// store: mixed clients, excluded
/// from the cluster's holders through the store alone.
/// </summary>
public sealed class ClusterLockProtocolTests : LockProtocolSuite
{
    private readonly ActorSystem _peer;

    public ClusterLockProtocolTests(ITestOutputHelper output)
        : base(TestBackends.Memory, ConfigurationFactory.ParseString(ClusterNodes.ClusterHocon), output)
    {
        var cluster = AkkaCluster.Get(Sys);
        cluster.Join(cluster.SelfAddress);
        _peer = ActorSystem.Create(Sys.Name, ConfigurationFactory.ParseString(ClusterNodes.ClusterHocon)
            .WithFallback(ConfigurationFactory.ParseString(TestBackends.Memory.Hocon)));
        AkkaCluster.Get(_peer).Join(cluster.SelfAddress);
        _ = LockActorsExtension.Get(_peer);
        ClusterNodes.WaitUntilAsync(() => cluster.State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up) == 2, "both nodes are up")
            .GetAwaiter().GetResult();
    }

    protected override bool SupportsCustomStalePolicies => false;

    protected override void AfterAll()
    {
        _peer.Terminate().Wait(TimeSpan.FromSeconds(15));
        base.AfterAll();
    }
}
