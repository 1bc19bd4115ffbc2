using LockActors.Messages;

namespace LockActors.Client;

/// <summary>Per-call options of <see cref="LockClient"/>: lease length, wait, owner and stale policy. Null members use the configured defaults.</summary>
public sealed record LockOptions
{
    /// <summary>Default options: configured TTL, owner id, stale policy and acquire timeout.</summary>
    public static LockOptions Default { get; } = new();

    /// <summary>Lease length (<c>lock-actors.default-ttl</c> when null).</summary>
    public TimeSpan? Ttl { get; init; }

    /// <summary>Owner identity written into the sidecar (<c>lock-actors.owner-id</c> when null).</summary>
    public string? OwnerId { get; init; }

    /// <summary>Whether a stale lock may be taken over (<c>lock-actors.on-stale</c> when null).</summary>
    public StalePolicy? OnStale { get; init; }

    /// <summary>How long <see cref="LockClient.AcquireAsync"/> waits for a held lock (<c>lock-actors.acquire-timeout</c> when null).</summary>
    public TimeSpan? AcquireTimeout { get; init; }

    /// <summary>
    /// How often the lease is renewed (<c>lock-actors.heartbeat-interval</c>, or ttl / 3, when null). Must be positive
    /// and at most half the trusted lease, TTL × (1 − lease-safety-margin) / 2; otherwise the acquire fails with
    /// <see cref="InvalidLockRequestException"/>. See <see cref="Acquire.HeartbeatInterval"/>.
    /// </summary>
    public TimeSpan? HeartbeatInterval { get; init; }
}
