using Akka.Actor;

namespace LockActors.Configuration;

/// <summary>
/// Starts the shard region that hosts the target entities in cluster mode. The <c>LockActors.Cluster</c> package ships
/// the implementation (Akka.Cluster.Sharding); the core names it only in <c>lock-actors.cluster.provider</c>, so it
/// does not depend on Akka.Cluster. Implementations need a public parameterless constructor.
/// </summary>
public abstract class LockShardingProvider
{
    /// <summary>
    /// Starts the region (or, on a node without <see cref="ClusterModeSettings.Role"/>, a proxy to it) and returns it.
    /// Called once per actor system, when LockActors starts.
    /// </summary>
    /// <param name="system">The actor system (its provider must be <c>cluster</c>).</param>
    /// <param name="settings">The cluster-mode settings.</param>
    /// <param name="request">How the region must treat the library's messages.</param>
    /// <exception cref="LockConfigurationException">The actor system cannot host the region.</exception>
    public abstract IActorRef StartRegion(ActorSystem system, ClusterModeSettings settings, ShardedTargets request);
}

/// <summary>What a <see cref="LockShardingProvider"/> needs from the core to start the region.</summary>
/// <param name="EntityProps">The props of the entity with a given id (the normalised target URI).</param>
/// <param name="EntityIdOf">The entity id a message to the region is for (null: not the library's message).</param>
/// <param name="MessageOf">The message the entity receives for a message to the region.</param>
/// <param name="StopMessage">What the shard sends an entity to stop it (hand-off and idle passivation) instead of a PoisonPill.</param>
public sealed record ShardedTargets(Func<string, Props> EntityProps, Func<object, string?> EntityIdOf, Func<object, object> MessageOf, object StopMessage);
