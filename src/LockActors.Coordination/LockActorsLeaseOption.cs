using System.Globalization;
using System.Text;
using System.Text.Json;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Hosting.Coordination;

namespace LockActors.Coordination;

/// <summary>
/// The Akka.Hosting option of <see cref="LockActorsLease"/>: give it as the <c>LeaseImplementation</c> of
/// Akka.Cluster.Hosting's <c>ClusterSingletonOptions</c>, <c>ShardOptions</c> or <c>LeaseMajorityOption</c>. It writes
/// <c>akka.coordination.lease.lock-actors { }</c> with the values set here, over the embedded defaults. Unset = default.
/// </summary>
/// <example>
/// <code>
/// var lease = new LockActorsLeaseOption { LeaseRoot = "s3://bucket/akka-leases/", HeartbeatTimeout = TimeSpan.FromSeconds(30) };
/// builder.WithLockActors(o => o.UseS3())
///        .WithSingleton&lt;MySingleton&gt;("my-singleton", props, new ClusterSingletonOptions { LeaseImplementation = lease });
/// </code>
/// </example>
public sealed class LockActorsLeaseOption : LeaseOptionBase
{
    /// <inheritdoc />
    public override string ConfigPath => LockActorsLease.ConfigPath;

    /// <inheritdoc />
    public override Type Class => typeof(LockActorsLease);

    /// <summary>Where the leases live, a URI ending in <c>/</c> such as <c>file:///var/akka-leases/</c> (<c>lease-root</c>). Required here or in HOCON.</summary>
    public string? LeaseRoot { get; set; }

    /// <summary>The lease's TTL: how long a crashed holder keeps it (<c>heartbeat-timeout</c>).</summary>
    public TimeSpan? HeartbeatTimeout { get; set; }

    /// <summary>How often the lease renews (<c>heartbeat-interval</c>); must stay below half of <see cref="HeartbeatTimeout"/>.</summary>
    public TimeSpan? HeartbeatInterval { get; set; }

    /// <summary>How long an acquire or release waits before failing with an unknown outcome (<c>lease-operation-timeout</c>).</summary>
    public TimeSpan? LeaseOperationTimeout { get; set; }

    /// <inheritdoc />
    public override void Apply(AkkaConfigurationBuilder builder, Setup? setup = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddHocon(ConfigurationFactory.ParseString(ToHocon()), HoconAddMode.Prepend);
        builder.AddHocon(LockActorsLease.DefaultConfig, HoconAddMode.Append);
    }

    /// <summary>The HOCON this option writes (only the keys that are set).</summary>
    internal string ToHocon()
    {
        var hocon = new StringBuilder().Append(ConfigPath).AppendLine(" {");
        if (LeaseRoot is not null)
        {
            hocon.Append("lease-root = ").AppendLine(JsonSerializer.Serialize(LeaseRoot));
        }

        AppendDuration(hocon, "heartbeat-timeout", HeartbeatTimeout);
        AppendDuration(hocon, "heartbeat-interval", HeartbeatInterval);
        AppendDuration(hocon, "lease-operation-timeout", LeaseOperationTimeout);
        return hocon.AppendLine("}").ToString();
    }

    private static void AppendDuration(StringBuilder hocon, string key, TimeSpan? value)
    {
        if (value is { } v)
        {
            hocon.Append(key).Append(" = ").Append(((long)v.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)).AppendLine("ms");
        }
    }
}
