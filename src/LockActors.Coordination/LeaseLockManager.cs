using Akka.Actor;
using LockActors.Actors;

namespace LockActors.Coordination;

/// <summary>
/// The lock manager of every <see cref="LockActorsLease"/> in an actor system (actor <c>/system/lock-actors-leases</c>),
/// beside <see cref="LockActorsExtension.Manager"/> and sharing its settings and stores.
/// </summary>
/// <remarks>
/// A manager of its own because of shutdown order. <see cref="LockActorsExtension"/> releases the locks of its manager
/// in the coordinated-shutdown phase <c>service-stop</c>, which runs before <c>cluster-exiting</c>, where a Cluster
/// Singleton is handed over and sharding's shards stop. A lease released there would let another node start the
/// singleton (or shard) while this node's instance still runs. Leases are released only by their consumer
/// (<see cref="Akka.Coordination.Lease.Release"/>, once its singleton or shard has stopped), or expire by TTL when the
/// system stops without releasing them.
/// </remarks>
internal sealed class LeaseLockManager : IExtension
{
    private LeaseLockManager(ExtendedActorSystem system)
    {
        var locks = LockActorsExtension.Get(system);
        Settings = locks.Settings;
        Manager = system.SystemActorOf(LockManager.Props(locks.Settings, locks.Stores), "lock-actors-leases");
        Stopped = Manager.WatchAsync();
    }

    /// <summary>The settings of <c>lock-actors { }</c>.</summary>
    public LockActors.Configuration.LockActorsSettings Settings { get; }

    /// <summary>The manager the leases send <c>Acquire</c> and <c>Release</c> to.</summary>
    public IActorRef Manager { get; }

    /// <summary>Completes when <see cref="Manager"/> has stopped (the actor system is terminating): nothing it was asked will be answered.</summary>
    public Task Stopped { get; }

    /// <summary>How long to wait for the manager's own answer: it bounds every store call by <c>store-operation-timeout</c>.</summary>
    public TimeSpan ReplyTimeout => (Settings.StoreOperationTimeout * 3) + TimeSpan.FromSeconds(5);

    /// <summary>The extension of <paramref name="system"/>, created on first use.</summary>
    public static LeaseLockManager Get(ActorSystem system) => system.WithExtension<LeaseLockManager, Provider>();

    /// <summary>Akka extension id.</summary>
    internal sealed class Provider : ExtensionIdProvider<LeaseLockManager>
    {
        public override LeaseLockManager CreateExtension(ExtendedActorSystem system) => new(system);
    }
}
