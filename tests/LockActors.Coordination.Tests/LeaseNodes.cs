using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Coordination;
using LockActors.Coordination;

namespace LockActors.Coordination.Tests;

/// <summary>
/// Actor systems ("nodes") sharing one lease root: each gets the store's HOCON, the lease section and LockActors,
/// and hands out <see cref="LockActorsLease"/> instances through Akka's <see cref="LeaseProvider"/>, as the cluster
/// consumers do. Disposing terminates every node.
/// </summary>
public sealed class LeaseNodes : IAsyncDisposable
{
    private readonly List<ActorSystem> _systems = [];
    private readonly string _config;
    private readonly Action<LockStoreRegistry>? _stores;

    /// <summary>Nodes whose leases live under <paramref name="leaseRoot"/>.</summary>
    /// <param name="leaseRoot">The <c>lease-root</c>, ending with <c>/</c>.</param>
    /// <param name="storeHocon">The store's <c>lock-actors.stores</c> block.</param>
    /// <param name="ttl">The lease's <c>heartbeat-timeout</c>.</param>
    /// <param name="operationTimeout">The lease's <c>lease-operation-timeout</c>.</param>
    /// <param name="extra">More HOCON (e.g. <c>lock-actors.store-operation-timeout</c>).</param>
    /// <param name="stores">Registers custom stores on every node (fault injection).</param>
    public LeaseNodes(string leaseRoot, string storeHocon, TimeSpan ttl, TimeSpan? operationTimeout = null, string extra = "", Action<LockStoreRegistry>? stores = null)
    {
        LeaseRoot = leaseRoot;
        _stores = stores;
        _config = $$"""
            akka.loglevel = INFO
            akka.coordination.lease.lock-actors {
              lease-root = "{{leaseRoot}}"
              heartbeat-timeout = {{(long)ttl.TotalMilliseconds}}ms
              heartbeat-interval = {{(long)(ttl.TotalMilliseconds / 4)}}ms
              lease-operation-timeout = {{(long)(operationTimeout ?? TimeSpan.FromSeconds(10)).TotalMilliseconds}}ms
            }
            lock-actors.poll-interval = 50ms
            {{storeHocon}}
            {{extra}}
            """;
    }

    /// <summary>The lease root.</summary>
    public string LeaseRoot { get; }

    /// <summary>The <c>lease-root</c> for a store under test: a fresh folder next to a fresh target of that store.</summary>
    public static string RootFor(Func<string, string> newTargetUri)
    {
        var target = newTargetUri("probe");
        return target[..(target.LastIndexOf('/') + 1)];
    }

    /// <summary>Starts a node.</summary>
    public ActorSystem Start(string name)
    {
        var config = ConfigurationFactory.ParseString(_config).WithFallback(LockActorsLease.DefaultConfig);
        var bootstrap = BootstrapSetup.Create().WithConfig(config);
        var setup = _stores is null ? ActorSystemSetup.Create(bootstrap) : ActorSystemSetup.Create(bootstrap, new LockActorsSetup(_stores));
        var system = ActorSystem.Create(name, setup);
        lock (_systems)
        {
            _systems.Add(system);
        }

        return system;
    }

    /// <summary>The lease named <paramref name="leaseName"/> for <paramref name="owner"/> on <paramref name="node"/>, as consumers get it.</summary>
    public static LockActorsLease Lease(ActorSystem node, string leaseName, string owner) =>
        (LockActorsLease)LeaseProvider.Get(node).GetLease(leaseName, LockActorsLease.ConfigPath, owner);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        ActorSystem[] systems;
        lock (_systems)
        {
            systems = [.. _systems];
        }

        await Task.WhenAll(systems.Select(s => s.Terminate())).WaitAsync(TimeSpan.FromSeconds(30));
    }
}
