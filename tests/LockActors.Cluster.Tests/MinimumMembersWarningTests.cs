using Akka.Configuration;
using Xunit;

namespace LockActors.Cluster.Tests;

/// <summary>
/// <c>akka.cluster.min-nr-of-members</c> above 1 is warned about when cluster mode starts: the shard coordinator would
/// wait for that many regions again after a node is gone for good, and the files with no shard home would stall
/// (seen in the multi-process tests: after the oldest node was killed the cluster never granted again).
/// </summary>
public sealed class MinimumMembersWarningTests() : Akka.TestKit.Xunit2.TestKit(
    ConfigurationFactory.ParseString("akka.cluster.min-nr-of-members = 3\nakka.loglevel = WARNING").WithFallback(ConfigurationFactory.ParseString(ClusterNodes.ClusterHocon)))
{
    [Fact]
    public void Min_nr_of_members_above_one_is_warned_about_when_cluster_mode_starts() =>
        EventFilter.Warning(contains: "akka.cluster.min-nr-of-members = 3").ExpectOne(() => _ = LockActorsExtension.Get(Sys));
}
