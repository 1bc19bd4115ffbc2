using System.Globalization;
using System.Text;
using Akka.Configuration;
using LockActors.Messages;

namespace LockActors.Hosting;

/// <summary>
/// Akka.Hosting options for <c>WithLockActors</c>. Each property maps 1:1 onto a <c>lock-actors { }</c> key.
/// Only the properties you set are written, over HOCON added before <c>WithLockActors</c> and over its
/// <c>IConfiguration</c> section; unset ones keep what that configuration says, else the reference.conf default
/// (see <see cref="AkkaHostingExtensions"/> for the full precedence).
/// </summary>
public sealed class LockActorsOptions
{
    /// <summary><c>default-ttl</c>.</summary>
    public TimeSpan? DefaultTtl { get; set; }

    /// <summary><c>heartbeat-interval</c> (null = ttl / 3).</summary>
    public TimeSpan? HeartbeatInterval { get; set; }

    /// <summary><c>lease-safety-margin</c>.</summary>
    public double? LeaseSafetyMargin { get; set; }

    /// <summary><c>stale-grace</c>.</summary>
    public TimeSpan? StaleGrace { get; set; }

    /// <summary><c>acquire-timeout</c>.</summary>
    public TimeSpan? AcquireTimeout { get; set; }

    /// <summary><c>poll-interval</c>.</summary>
    public TimeSpan? PollInterval { get; set; }

    /// <summary><c>max-poll-interval</c>.</summary>
    public TimeSpan? MaxPollInterval { get; set; }

    /// <summary><c>store-operation-timeout</c>.</summary>
    public TimeSpan? StoreOperationTimeout { get; set; }

    /// <summary><c>passivate-after</c>.</summary>
    public TimeSpan? PassivateAfter { get; set; }

    /// <summary><c>shutdown-release-timeout</c>: how long the actor system's shutdown waits for held locks to be released.</summary>
    public TimeSpan? ShutdownReleaseTimeout { get; set; }

    /// <summary><c>max-waiters-per-target</c>.</summary>
    public int? MaxWaitersPerTarget { get; set; }

    /// <summary><c>manager-shards</c>: shards of the lock manager; 0 = one per processor core.</summary>
    public int? ManagerShards { get; set; }

    /// <summary><c>owner-id</c>.</summary>
    public string? OwnerId { get; set; }

    /// <summary><c>on-stale</c>: a built-in policy (<see cref="StalePolicy.TakeOver"/>, <see cref="StalePolicy.Never"/>, <see cref="StalePolicy.TakeOverIncludingCorrupt"/>).</summary>
    public StalePolicy? OnStale { get; set; }

    /// <summary><c>fencing</c>: how fencing tokens stay increasing across a release (see <see cref="Configuration.FencingMode"/>).</summary>
    public Configuration.FencingMode? Fencing { get; set; }

    /// <summary>Cluster mode (<c>cluster { }</c>); the <c>LockActors.Cluster</c> package's <c>UseClusterSharding</c> sets it.</summary>
    public ClusterModeOptions? Cluster { get; set; }

    /// <summary>Per-backend options (<see cref="FileStoreOptions"/>, <see cref="MemoryStoreOptions"/>, and the other backends').</summary>
    public IList<LockStoreOptions> Stores { get; } = new List<LockStoreOptions>();

    /// <summary>Renders the options as HOCON (only the keys that are set).</summary>
    public string ToHocon()
    {
        var hocon = new StringBuilder();
        Key(hocon, "default-ttl", DefaultTtl);
        Key(hocon, "heartbeat-interval", HeartbeatInterval);
        if (LeaseSafetyMargin is { } margin)
        {
            hocon.Append("lock-actors.lease-safety-margin = ").AppendLine(margin.ToString(CultureInfo.InvariantCulture));
        }

        Key(hocon, "stale-grace", StaleGrace);
        Key(hocon, "acquire-timeout", AcquireTimeout);
        Key(hocon, "poll-interval", PollInterval);
        Key(hocon, "max-poll-interval", MaxPollInterval);
        Key(hocon, "store-operation-timeout", StoreOperationTimeout);
        Key(hocon, "passivate-after", PassivateAfter);
        Key(hocon, "shutdown-release-timeout", ShutdownReleaseTimeout);
        if (MaxWaitersPerTarget is { } max)
        {
            hocon.Append("lock-actors.max-waiters-per-target = ").AppendLine(max.ToString(CultureInfo.InvariantCulture));
        }

        if (ManagerShards is { } shards)
        {
            hocon.Append("lock-actors.manager-shards = ").AppendLine(shards.ToString(CultureInfo.InvariantCulture));
        }

        if (OwnerId is not null)
        {
            hocon.Append("lock-actors.owner-id = ").AppendLine(HoconText.Quote(OwnerId));
        }

        if (OnStale is not null)
        {
            hocon.Append("lock-actors.on-stale = ").AppendLine(OnStale.Name);
        }

        if (Fencing is { } fencing)
        {
            hocon.Append("lock-actors.fencing = ").AppendLine(fencing == Configuration.FencingMode.Strict ? "strict" : "hybrid-clock");
        }

        Cluster?.AppendTo(hocon);
        foreach (var store in Stores)
        {
            store.AppendTo(hocon);
        }

        return hocon.ToString();
    }

    /// <summary>The options as a parsed <see cref="Config"/>.</summary>
    public Config ToConfig() => ConfigurationFactory.ParseString(ToHocon());

    private static void Key(StringBuilder hocon, string key, TimeSpan? value)
    {
        if (value is { } v)
        {
            hocon.Append("lock-actors.").Append(key).Append(" = ").AppendLine(HoconText.Duration(v));
        }
    }
}
