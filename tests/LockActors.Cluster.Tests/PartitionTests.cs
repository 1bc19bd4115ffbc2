using Akka.Actor;
using Akka.Remote;
using Akka.Remote.Transport;
using Xunit;
using Xunit.Abstractions;
using AkkaCluster = Akka.Cluster.Cluster;

namespace LockActors.Cluster.Tests;

/// <summary>
/// A partition (Akka's throttler blackhole between one node and the two others) followed by the majority downing the
/// cut-off node, as a Split Brain Resolver on the majority side would, while the cut-off node keeps running and its
/// entities keep serving its own callers: a real split brain, two live entities for some files. Exclusion must still
/// hold, because every grant is a conditional write on the store: the side that loses a write can only lose.
/// </summary>
public sealed class PartitionTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task A_split_brain_never_gives_one_file_to_two_valid_holders()
    {
        await using var cluster = new ClusterNodes("akka.remote.dot-netty.tcp.applied-adapters = [trttl]");
        var nodes = await cluster.StartAsync(3);
        var targets = Enumerable.Range(0, 12).Select(i => ClusterNodes.NewTarget($"p{i}.csv")).ToArray();
        var history = new ContentionHistory();
        using var stop = new CancellationTokenSource();
        var workers = nodes.SelectMany(n => Enumerable.Range(0, 2).Select(_ => history.RunWorkerAsync(LockActorsExtension.Get(n).Client, targets, Ttl, stop.Token))).ToList();

        await Task.Delay(2000);
        var minority = nodes[2];
        await BlackholeAsync(nodes[0], minority);
        await BlackholeAsync(nodes[1], minority);
        await Task.Delay(2000);
        AkkaCluster.Get(nodes[0]).Down(AkkaCluster.Get(minority).SelfAddress); // the majority's decision; the minority never hears it
        await Task.Delay(12000);
        stop.Cancel();
        await Task.WhenAll(workers);

        output.WriteLine($"partition: holds {history.Holds.Count} ({history.Holds.Count(h => h.Valid)} valid), overlaps {history.Overlaps()}, " +
            $"token faults {history.TokenFaults()}, errors {history.Errors}");
        Assert.Equal(0, history.Overlaps());
        Assert.Equal(0, history.TokenFaults());
    }

    /// <summary>Drops every message between <paramref name="from"/> and <paramref name="to"/>, both ways.</summary>
    private static async Task BlackholeAsync(ActorSystem from, ActorSystem to)
    {
        var transport = ((IRemoteActorRefProvider)((ExtendedActorSystem)from).Provider).Transport;
        Assert.True(await transport.ManagementCommand(new SetThrottle(AkkaCluster.Get(to).SelfAddress, ThrottleTransportAdapter.Direction.Both, Blackhole.Instance)));
    }
}
