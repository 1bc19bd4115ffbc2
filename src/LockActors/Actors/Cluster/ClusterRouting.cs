using Akka.Actor;
using LockActors.Configuration;
using LockActors.Storage;
using LockActors.Telemetry;

namespace LockActors.Actors.Cluster;

/// <summary>Starts cluster mode for an actor system: the provider named in <c>lock-actors.cluster.provider</c> starts the region.</summary>
internal static class ClusterRouting
{
    /// <summary>The shard region of the target entities, started by the configured provider.</summary>
    /// <exception cref="LockConfigurationException">The provider cannot be loaded (package missing) or cannot start the region.</exception>
    public static IActorRef StartRegion(ActorSystem system, LockActorsSettings settings, LockStoreRegistry stores)
    {
        var cluster = settings.Cluster;
        var instanceId = Guid.NewGuid().ToString("N")[..8];
        // The shard passivates idle entities (passivate-idle-after); the lock actor has no idle timer of its own.
        var entitySettings = settings with { PassivateAfter = cluster.PassivateIdleAfter };
        var instrumented = new InstrumentedStores(); // entities' store operations are measured as the local manager's are
        var request = new ShardedTargets(
            id => EntityProps(id, stores, instrumented, entitySettings, instanceId),
            message => message is EntityEnvelope envelope ? envelope.EntityId : null,
            message => message is EntityEnvelope envelope ? envelope.Message : message,
            EntityHandOff.Instance);
        return LoadProvider(cluster.Provider).StartRegion(system, cluster, request);
    }

    private static Props EntityProps(string entityId, LockStoreRegistry stores, InstrumentedStores instrumented, LockActorsSettings settings, string instanceId)
    {
        try
        {
            var target = LockTarget.Parse(entityId);
            return TargetEntity.Props(target, instrumented.For(stores.Resolve(target), target.Scheme), settings, instanceId);
        }
        catch (Exception e) when (e is LockException or ArgumentException)
        {
            return Props.Create(() => new UnservableTarget(e)); // this node's stores differ from the caller's
        }
    }

    private static LockShardingProvider LoadProvider(string typeName)
    {
        const string key = "lock-actors.cluster.provider";
        Type? type;
        try
        {
            type = Type.GetType(typeName, throwOnError: false);
        }
        catch (Exception e) when (e is ArgumentException or IOException or BadImageFormatException)
        {
            throw ConfigErrors.Invalid(key, $"= '{typeName}' cannot be loaded: {e.Message}", e);
        }

        if (type is null || !typeof(LockShardingProvider).IsAssignableFrom(type))
        {
            throw ConfigErrors.Invalid(key, $"= '{typeName}' is not a LockShardingProvider that can be loaded; cluster mode needs the LockActors.Cluster package (add it and call UseClusterSharding, or set lock-actors.cluster.enabled = off).");
        }

        return (LockShardingProvider)Activator.CreateInstance(type)!;
    }

    /// <summary>The entity of a target this node cannot serve (no store for its scheme here): every request fails with the reason.</summary>
    private sealed class UnservableTarget : ReceiveActor
    {
        public UnservableTarget(Exception reason)
        {
            var failure = WireFailure.From(reason);
            Receive<RemoteAcquire>(a => Sender.Tell(new RemoteFailed(a.RequestId, failure)));
            Receive<RemoteCommand>(c => Sender.Tell(new RemoteFailed(c.CorrelationId, failure)));
            Receive<HolderAlive>(h => Sender.Tell(new RemoteFailed(h.RequestId, failure)));
            ReceiveAny(_ => { });
        }
    }
}
