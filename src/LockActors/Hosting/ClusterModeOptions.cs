using System.Globalization;
using System.Text;

namespace LockActors.Hosting;

/// <summary>
/// Akka.Hosting options for cluster mode, <c>lock-actors.cluster { }</c> (see <see cref="Configuration.ClusterModeSettings"/>).
/// Set through the <c>LockActors.Cluster</c> package's <c>options.UseClusterSharding(...)</c>. Only the properties you set
/// are written.
/// </summary>
public sealed class ClusterModeOptions
{
    /// <summary><c>enabled</c>.</summary>
    public bool? Enabled { get; set; }

    /// <summary><c>provider</c>: the <see cref="Configuration.LockShardingProvider"/> type name.</summary>
    public string? Provider { get; set; }

    /// <summary><c>type-name</c>: the shard region's type name.</summary>
    public string? TypeName { get; set; }

    /// <summary><c>role</c>: only nodes with this role host target entities.</summary>
    public string? Role { get; set; }

    /// <summary><c>number-of-shards</c>.</summary>
    public int? NumberOfShards { get; set; }

    /// <summary><c>passivate-idle-after</c>.</summary>
    public TimeSpan? PassivateIdleAfter { get; set; }

    internal void AppendTo(StringBuilder hocon)
    {
        if (Enabled is { } enabled)
        {
            hocon.Append("lock-actors.cluster.enabled = ").AppendLine(enabled ? "on" : "off");
        }

        if (Provider is not null)
        {
            hocon.Append("lock-actors.cluster.provider = ").AppendLine(HoconText.Quote(Provider));
        }

        if (TypeName is not null)
        {
            hocon.Append("lock-actors.cluster.type-name = ").AppendLine(HoconText.Quote(TypeName));
        }

        if (Role is not null)
        {
            hocon.Append("lock-actors.cluster.role = ").AppendLine(HoconText.Quote(Role));
        }

        if (NumberOfShards is { } shards)
        {
            hocon.Append("lock-actors.cluster.number-of-shards = ").AppendLine(shards.ToString(CultureInfo.InvariantCulture));
        }

        if (PassivateIdleAfter is { } idle)
        {
            hocon.Append("lock-actors.cluster.passivate-idle-after = ").AppendLine(HoconText.Duration(idle));
        }
    }
}
