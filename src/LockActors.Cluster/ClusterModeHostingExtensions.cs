using LockActors.Hosting;

namespace LockActors.Cluster;

/// <summary>Akka.Hosting: turns on cluster mode inside <c>WithLockActors</c>.</summary>
public static class ClusterModeHostingExtensions
{
    /// <summary>
    /// Cluster mode: each target's actor becomes a Cluster Sharding entity keyed by the normalised target URI, one for
    /// the whole cluster (sets <c>lock-actors.cluster.enabled = on</c> and this package's provider). The actor system
    /// must be a cluster (<c>akka.actor.provider = cluster</c>, e.g. Akka.Cluster.Hosting's <c>WithClustering</c>), and
    /// every node must enable it with the same <c>number-of-shards</c> and <c>type-name</c>.
    /// </summary>
    /// <param name="options">The LockActors options.</param>
    /// <param name="configure">Optional: role, number of shards, idle passivation.</param>
    /// <returns><paramref name="options"/>, for chaining.</returns>
    /// <example>
    /// <code>
    /// builder.WithClustering(new ClusterOptions { Roles = ["ingest"], SeedNodes = ["akka.tcp://ingest@10.0.0.1:4053"] })
    ///        .WithLockActors(o => o.UseClusterSharding(c => c.Role = "ingest"));
    /// </code>
    /// </example>
    public static LockActorsOptions UseClusterSharding(this LockActorsOptions options, Action<ClusterModeOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var cluster = options.Cluster ?? new ClusterModeOptions();
        cluster.Enabled = true;
        cluster.Provider ??= typeof(ClusterShardingLockProvider).FullName + ", " + typeof(ClusterShardingLockProvider).Assembly.GetName().Name;
        configure?.Invoke(cluster);
        options.Cluster = cluster;
        return options;
    }
}
