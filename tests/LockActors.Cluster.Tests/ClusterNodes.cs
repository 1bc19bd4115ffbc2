using Akka.Actor;
using Akka.Configuration;
using LockActors.Storage.Stores.Memory;
using LockActors.TestServers.Cluster;
using LockActors.TestServers.Faults;

namespace LockActors.Cluster.Tests;

/// <summary>
/// The tests' in-process cluster (<see cref="InProcessCluster"/>) with one shared mem:// store seen by every node
/// through a <see cref="FaultInjectingStore"/> whose timeline counts the store requests, and quick polling.
/// Disposing terminates every node.
/// </summary>
public sealed class ClusterNodes : IAsyncDisposable
{
    /// <summary>Polling quick enough for tests (store arbitration with a holder outside the cluster).</summary>
    private const string TestTimings = """
        lock-actors.poll-interval = 50ms
        lock-actors.max-poll-interval = 250ms
        """;

    /// <summary>The HOCON of every node: <see cref="InProcessCluster.Hocon"/> with quick polling.</summary>
    public const string ClusterHocon = InProcessCluster.Hocon + "\n" + TestTimings;

    private readonly InProcessCluster _cluster;

    /// <summary>
    /// A cluster whose nodes share <see cref="Store"/>, registered under <paramref name="scheme"/>; <paramref name="extra"/>
    /// is more HOCON for every node.
    /// </summary>
    public ClusterNodes(string extra = "", string scheme = "mem")
    {
        Scheme = scheme;
        Store = new FaultInjectingStore(new MemoryLockStore(), name: "shared") { OwnsInner = true };
        _cluster = new InProcessCluster(r => r.Register(scheme, Store), TestTimings + "\n" + extra);
    }

    /// <summary>The scheme <see cref="Store"/> is registered under.</summary>
    public string Scheme { get; }

    /// <summary>The store every node uses (requests recorded on its timeline).</summary>
    public FaultInjectingStore Store { get; }

    /// <summary>The nodes started so far.</summary>
    public IReadOnlyList<ActorSystem> Nodes => _cluster.Nodes;

    /// <summary>Store calls made so far (each is one request to the store).</summary>
    public int StoreRequests => Store.Timeline.Where(e => e.Kind == StoreEventKind.Called).Count;

    /// <summary>Starts <paramref name="count"/> nodes and waits until all are up.</summary>
    public Task<IReadOnlyList<ActorSystem>> StartAsync(int count) => _cluster.StartAsync(count);

    /// <summary>Starts one node with <paramref name="config"/> (over the common HOCON) and joins it to the first.</summary>
    public ActorSystem Start(Config config) => _cluster.Start(config);

    /// <summary>A mem:// target on the shared store.</summary>
    public static string NewTarget(string name = "file.csv") => $"mem://cluster/{Guid.NewGuid():N}/{name}";

    /// <summary>A target on the shared store under <see cref="Scheme"/>.</summary>
    public string NewSchemeTarget(string name = "file.csv") => $"{Scheme}://cluster/{Guid.NewGuid():N}/{name}";

    /// <summary>Polls <paramref name="condition"/> until true (30 s at most).</summary>
    public static Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? within = null) => InProcessCluster.WaitUntilAsync(condition, what, within);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await Store.DisposeAsync();
    }
}
