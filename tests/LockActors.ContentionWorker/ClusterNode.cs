using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using AkkaCluster = Akka.Cluster.Cluster;

namespace LockActors.ContentionWorker;

/// <summary>
/// A worker that is a cluster node (its --config sets <c>akka.actor.provider = cluster</c> and the seed node). It waits
/// itself until the cluster has the expected number of Up members before taking any lock — not
/// <c>akka.cluster.min-nr-of-members</c>, which would also hold back the next shard coordinator once a node is gone —
/// and then tells a test on stdout what it cannot see from outside: "MEMBERS &lt;monotonic&gt; port:status…
/// unreachable=ports" whenever the membership it sees changes, "ENTITIES id|id…" whenever the target entities hosted
/// here change. It leaves the cluster gracefully when the file "leave" appears in the control directory.
/// </summary>
internal static class ClusterNode
{
    public static bool IsCluster(Config config) =>
        config.GetString("akka.actor.provider", string.Empty) is "cluster" or "Akka.Cluster.ClusterActorRefProvider, Akka.Cluster";

    /// <summary>Waits until <paramref name="count"/> members are Up, then prints "UP &lt;monotonic&gt;".</summary>
    public static async Task WaitForUpMembersAsync(ActorSystem system, int count, TimeSpan timeout)
    {
        var cluster = AkkaCluster.Get(system);
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (cluster.State.Members.Count(m => m.Status == MemberStatus.Up) < count)
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"fewer than {count} Up members after {timeout}: {Describe(cluster.State)}");
            }

            await Task.Delay(100);
        }

        Console.WriteLine(FormattableString.Invariant($"UP {Stopwatch.GetTimestamp()} {Describe(cluster.State)}"));
    }

    /// <summary>Reports membership and hosted entities, and leaves on request, until the actor system terminates.</summary>
    public static async Task MonitorAsync(ActorSystem system, string? controlDirectory)
    {
        var cluster = AkkaCluster.Get(system);
        var region = ClusterSharding.Get(system).ShardRegion(system.Settings.Config.GetString("lock-actors.cluster.type-name", "lock-actors"));
        string? members = null, entities = null;
        var left = false;
        while (!system.WhenTerminated.IsCompleted)
        {
            var now = Describe(cluster.State);
            if (now != members)
            {
                members = now;
                Console.WriteLine(FormattableString.Invariant($"MEMBERS {Stopwatch.GetTimestamp()} {now}"));
            }

            try
            {
                var state = await region.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, TimeSpan.FromSeconds(2));
                var hosted = string.Join('|', state.Shards.SelectMany(s => s.EntityIds).Order(StringComparer.Ordinal));
                if (hosted != entities)
                {
                    entities = hosted;
                    Console.WriteLine("ENTITIES " + hosted);
                }
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
            {
                // the region is busy or stopping: ask again next round
            }

            if (!left && controlDirectory is not null && File.Exists(Path.Combine(controlDirectory, "leave")))
            {
                left = true;
                Console.WriteLine(FormattableString.Invariant($"LEAVING {Stopwatch.GetTimestamp()}"));
                cluster.Leave(cluster.SelfAddress);
            }

            await Task.Delay(200);
        }
    }

    private static string Describe(ClusterEvent.CurrentClusterState state) =>
        string.Join(' ', state.Members.OrderBy(m => m.Address.Port).Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Address.Port}:{m.Status}"))) +
        " unreachable=" + string.Join(',', state.Unreachable.Select(m => m.Address.Port).Order());
}
