using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using Akka.Event;
using LockActors.Configuration;

namespace LockActors.Cluster;

/// <summary>
/// Starts the shard region of the target entities with Akka.Cluster.Sharding (named in
/// <c>lock-actors.cluster.provider</c>; <see cref="ClusterModeHostingExtensions.UseClusterSharding"/> sets it up).
/// </summary>
/// <remarks>
/// The region runs with <c>remember-entities = off</c> and <c>state-store-mode = ddata</c> (no journal; the sidecars
/// are the source of truth), entities passivated after <see cref="ClusterModeSettings.PassivateIdleAfter"/> without a
/// message, and the library's own stop message for hand-off and passivation, so a moving entity keeps its holders.
/// These are set on this region only: other regions of the actor system keep <c>akka.cluster.sharding</c>'s values.
/// </remarks>
public sealed class ClusterShardingLockProvider : LockShardingProvider
{
    /// <inheritdoc />
    public override IActorRef StartRegion(ActorSystem system, ClusterModeSettings settings, ShardedTargets request)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(request);
        if (system is not ExtendedActorSystem extended || extended.Provider is not Akka.Cluster.ClusterActorRefProvider)
        {
            throw new LockConfigurationException("lock-actors.cluster.enabled",
                "lock-actors.cluster.enabled = on needs a cluster actor system: set akka.actor.provider = cluster (or use Akka.Cluster.Hosting's WithClustering).");
        }

        var sharding = ClusterSharding.Get(system);
        var extractor = new TargetMessageExtractor(settings.NumberOfShards, request);
        var role = settings.Role;
        var cluster = Akka.Cluster.Cluster.Get(system);
        if (role is not null && !cluster.SelfRoles.Contains(role))
        {
            return sharding.StartProxy(settings.TypeName, role, extractor);
        }

        WarnAboutMinimumMembers(system, role);
        var shardingSettings = RegionSettings(system, settings);
        return sharding.Start(settings.TypeName, request.EntityProps, shardingSettings, extractor,
            sharding.DefaultShardAllocationStrategy(shardingSettings), request.StopMessage);
    }

    /// <summary>
    /// <c>min-nr-of-members</c> above 1 also holds back the shard coordinator: it allocates no shard until that many
    /// regions have registered. After a node is gone for good (crashed and downed, or the oldest node with the
    /// coordinator itself), the coordinator started elsewhere waits for that number again, and every file whose shard has
    /// no home yet stalls until a replacement node joins.
    /// </summary>
    private static void WarnAboutMinimumMembers(ActorSystem system, string? role)
    {
        var config = system.Settings.Config;
        var key = role is not null && config.HasPath($"akka.cluster.role.{role}.min-nr-of-members") ? $"akka.cluster.role.{role}.min-nr-of-members" : "akka.cluster.min-nr-of-members";
        var minimum = config.GetInt(key, 1);
        if (minimum > 1)
        {
            system.Log.Warning(
                "LockActors cluster mode: {0} = {1}. The shard coordinator allocates no shard until {1} regions are registered, also after a node " +
                "is gone: once a node crashes and is downed (or the oldest node, hosting the coordinator, goes) the files whose shards have no home " +
                "stall until a node joins again. Leave it at 1 and wait for the members you need in the application instead (e.g. until the cluster " +
                "state shows that many Up members).",
                key, minimum);
        }
    }

    /// <summary>The system's <c>akka.cluster.sharding</c> settings with what cluster mode needs on top.</summary>
    private static ClusterShardingSettings RegionSettings(ActorSystem system, ClusterModeSettings settings)
    {
        var overrides = ConfigurationFactory.ParseString($$"""
            remember-entities = off
            state-store-mode = ddata
            passivate-idle-entity-after = {{(long)settings.PassivateIdleAfter.TotalMilliseconds}}ms
            role = "{{settings.Role ?? string.Empty}}"
            """);
        var sharding = overrides.WithFallback(system.Settings.Config.GetConfig("akka.cluster.sharding"));
        var singleton = system.Settings.Config.GetConfig(sharding.GetString("coordinator-singleton"));
        return ClusterShardingSettings.Create(sharding, singleton);
    }
}
