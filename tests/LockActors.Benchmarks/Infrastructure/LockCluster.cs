using Akka.Actor;
using LockActors.Client;
using LockActors.Storage;
using LockActors.TestServers.Cluster;

namespace LockActors.Benchmarks.Infrastructure;

/// <summary>
/// Several lock nodes in this process sharing one store under one scheme: either one Akka.NET cluster in cluster mode
/// (<see cref="InProcessCluster"/>, the same setup the cluster tests use) or as many plain, independent actor systems,
/// between which the store alone arbitrates. Both at the library's default timings (poll interval included), so they
/// compare like for like.
/// </summary>
public sealed class LockCluster : IAsyncDisposable
{
    private readonly Func<ValueTask> _dispose;

    private LockCluster(bool clustered, IReadOnlyList<ActorSystem> nodes, Func<ValueTask> dispose)
    {
        Clustered = clustered;
        Nodes = nodes;
        Managers = [.. nodes.Select(n => LockActorsExtension.Get(n).Manager)];
        Clients = [.. nodes.Select(n => (ILockClient)LockActorsExtension.Get(n).Client)];
        _dispose = dispose;
    }

    /// <summary>True for cluster mode, false for plain systems.</summary>
    public bool Clustered { get; }

    public IReadOnlyList<ActorSystem> Nodes { get; }

    /// <summary>Each node's lock manager (in cluster mode it routes through the shard region).</summary>
    public IReadOnlyList<IActorRef> Managers { get; }

    public IReadOnlyList<ILockClient> Clients { get; }

    /// <summary>A cluster of <paramref name="nodes"/> nodes in cluster mode, every one up.</summary>
    public static async Task<LockCluster> StartClusterAsync(int nodes, string scheme, ILockStore store)
    {
        var cluster = new InProcessCluster(r => r.Register(scheme, store), Hocon.Quiet, "bench-cluster");
        try
        {
            var started = await cluster.StartAsync(nodes, TimeSpan.FromSeconds(60)).ConfigureAwait(false);
            return new LockCluster(true, started, cluster.DisposeAsync);
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary><paramref name="nodes"/> plain actor systems (no cluster) on the same store.</summary>
    public static LockCluster StartPlain(int nodes, string scheme, ILockStore store)
    {
        var systems = Enumerable.Range(0, nodes).Select(_ => LockSystem.Start(scheme, store)).ToArray();
        return new LockCluster(false, [.. systems.Select(s => s.System)], async () =>
        {
            await Task.WhenAll(systems.Select(s => s.DisposeAsync().AsTask())).ConfigureAwait(false);
        });
    }

    public ValueTask DisposeAsync() => _dispose();
}
