using Akka.Configuration;

namespace LockActors.Configuration;

/// <summary>
/// Cluster mode (<c>lock-actors.cluster { }</c>): each target's actor becomes a Cluster Sharding entity keyed by the
/// normalised target URI, so one actor per file serves the whole cluster. Needs the <c>LockActors.Cluster</c> package
/// (its Hosting call <c>UseClusterSharding</c> sets these keys) and <c>akka.actor.provider = cluster</c>.
/// </summary>
public sealed record ClusterModeSettings
{
    /// <summary>The provider the <c>LockActors.Cluster</c> package ships (<c>provider</c>'s default).</summary>
    public const string DefaultProvider = "LockActors.Cluster.ClusterShardingLockProvider, LockActors.Cluster";

    /// <summary><c>enabled</c>: off = every actor system arbitrates through the store alone (the default).</summary>
    public bool Enabled { get; init; }

    /// <summary><c>provider</c>: the <see cref="LockShardingProvider"/> type that starts the shard region.</summary>
    public string Provider { get; init; } = DefaultProvider;

    /// <summary><c>type-name</c>: the shard region's type name (the same on every node).</summary>
    public string TypeName { get; init; } = "lock-actors";

    /// <summary><c>role</c>: only nodes with this role host target entities; others reach them through a proxy. Null = every node.</summary>
    public string? Role { get; init; }

    /// <summary><c>number-of-shards</c>: the same on every node, for the cluster's whole life (about ten per node at its largest).</summary>
    public int NumberOfShards { get; init; } = 100;

    /// <summary><c>passivate-idle-after</c>: an entity that received no message for this long is stopped by its shard (holders are adopted by the next one).</summary>
    public TimeSpan PassivateIdleAfter { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Cluster mode off.</summary>
    public static ClusterModeSettings Default { get; } = new();

    internal static ClusterModeSettings Read(Config c, Func<string, string> fullKey)
    {
        var role = c.GetString("cluster.role", string.Empty);
        var settings = new ClusterModeSettings
        {
            Enabled = ConfigErrors.Read(c, "cluster.enabled", fullKey("cluster.enabled"), k => c.GetBoolean(k)),
            Provider = c.GetString("cluster.provider", DefaultProvider),
            TypeName = c.GetString("cluster.type-name", "lock-actors"),
            Role = string.IsNullOrWhiteSpace(role) ? null : role,
            NumberOfShards = ConfigErrors.Read(c, "cluster.number-of-shards", fullKey("cluster.number-of-shards"), k => c.GetInt(k)),
            PassivateIdleAfter = ConfigErrors.Read(c, "cluster.passivate-idle-after", fullKey("cluster.passivate-idle-after"), k => c.GetTimeSpan(k)),
        };
        if (settings.NumberOfShards <= 0)
        {
            throw ConfigErrors.Invalid(fullKey("cluster.number-of-shards"), "must be positive.");
        }

        if (settings.PassivateIdleAfter <= TimeSpan.Zero)
        {
            throw ConfigErrors.Invalid(fullKey("cluster.passivate-idle-after"), "must be positive.");
        }

        if (string.IsNullOrWhiteSpace(settings.TypeName))
        {
            throw ConfigErrors.Invalid(fullKey("cluster.type-name"), "must not be empty.");
        }

        return settings;
    }
}
