using Akka.Coordination;

namespace LockActors.Coordination;

/// <summary>What one <see cref="LockActorsLease"/> reads from its <see cref="LeaseSettings"/>, validated.</summary>
/// <param name="Target">The lease's target URI: <c>lease-root</c> followed by the safe name (<see cref="LeaseTargetName"/>).</param>
/// <param name="Ttl">The sidecar's TTL: <c>heartbeat-timeout</c>.</param>
/// <param name="OperationTimeout">The longest <see cref="Lease.Acquire()"/> or <see cref="Lease.Release"/> waits: <c>lease-operation-timeout</c>.</param>
/// <param name="HeartbeatInterval">
/// How often the lease renews: <c>heartbeat-interval</c>, shortened to half the trusted lease when it is longer.
/// </param>
internal sealed record LockActorsLeaseConfig(string Target, TimeSpan Ttl, TimeSpan OperationTimeout, TimeSpan HeartbeatInterval)
{
    /// <summary>Reads and checks <paramref name="settings"/>.</summary>
    /// <exception cref="LockConfigurationException">A value is missing or out of range; the key is named.</exception>
    public static LockActorsLeaseConfig From(LeaseSettings settings, LockActors.Configuration.LockActorsSettings locks)
    {
        var root = settings.LeaseConfig.GetString("lease-root", string.Empty) ?? string.Empty;
        if (root.Length == 0)
        {
            throw new LockConfigurationException("lease-root", "lease-root must name where leases live, for example \"file:///var/akka-leases/\" or \"s3://bucket/akka-leases/\"");
        }

        if (!root.EndsWith('/'))
        {
            throw new LockConfigurationException("lease-root", $"lease-root must end with '/' (a directory or key prefix), not \"{root}\"");
        }

        var target = LeaseTargetName.TargetUri(root, settings.LeaseName);
        if (!LockTarget.TryParse(target, out _, out var invalid))
        {
            throw new LockConfigurationException("lease-root", $"lease-root \"{root}\" does not make a valid lock target: {invalid!.Message}", invalid);
        }

        var timeouts = settings.TimeoutSettings;
        if (timeouts.HeartbeatTimeout < LockLimits.MinTtl || timeouts.HeartbeatTimeout > LockLimits.MaxTtl)
        {
            throw new LockConfigurationException("heartbeat-timeout", $"heartbeat-timeout is the lease's TTL and must be between {LockLimits.MinTtl} and {LockLimits.MaxTtl}, not {timeouts.HeartbeatTimeout}");
        }

        if (timeouts.OperationTimeout <= TimeSpan.Zero)
        {
            throw new LockConfigurationException("lease-operation-timeout", $"lease-operation-timeout must be positive, not {timeouts.OperationTimeout}");
        }

        if (timeouts.HeartbeatInterval <= TimeSpan.Zero)
        {
            throw new LockConfigurationException("heartbeat-interval", $"heartbeat-interval must be positive, not {timeouts.HeartbeatInterval}");
        }

        var latest = locks.LongestHeartbeatFor(timeouts.HeartbeatTimeout);
        var heartbeat = timeouts.HeartbeatInterval < latest ? timeouts.HeartbeatInterval : latest;
        return new LockActorsLeaseConfig(target, timeouts.HeartbeatTimeout, timeouts.OperationTimeout, heartbeat);
    }
}
