using LockActors.Messages;
using LockActors.Storage;

namespace LockActors.Actors.Cluster;

// The messages between a node's ClusterLockManager (the caller's side) and a target's TargetEntity (the sharded side).
// They cross the network, so they carry plain values only: no LockLease, no StalePolicy delegate, no exception objects.
// Times are durations measured on one node's monotonic clock and echoed back to it, never compared across nodes.

/// <summary>Wraps every message to the shard region; the entity id is the normalised target URI.</summary>
internal sealed record EntityEnvelope(string EntityId, object Message);

/// <summary>An <see cref="Acquire"/> as it crosses the network; <paramref name="SentAt"/> is echoed in the grant.</summary>
internal sealed record RemoteAcquire(Guid RequestId, string Target, TimeSpan? Ttl, TimeSpan? WaitTimeout, string? OwnerId, string? OnStale, TimeSpan? HeartbeatInterval, long SentAt);

/// <summary>Withdraws a queued <see cref="RemoteAcquire"/>.</summary>
internal sealed record RemoteCancel(Guid RequestId, string Target);

/// <summary>A release, a lock-info query (or another reply-once command) with the id its answer carries back.</summary>
internal sealed record RemoteCommand(Guid CorrelationId, ILockCommand Command);

/// <summary>
/// The holder's node says its grant is still wanted and asks how long the entity's lease certainly lasts. A new
/// incarnation of the entity (after a move or a crash) that does not know the grant adopts it from the sidecar, and
/// keeps renewing it at <paramref name="HeartbeatInterval"/>, the interval the grant was made with (not in the sidecar;
/// zero from a node that does not send it: the configured interval).
/// </summary>
internal sealed record HolderAlive(Guid RequestId, string Target, string LockId, LockMetadata Metadata, long SentAt, TimeSpan HeartbeatInterval);

/// <summary>The grant, with how long its lease certainly lasts from the moment this reply was sent.</summary>
internal sealed record RemoteGranted(Guid RequestId, string Target, string LockId, long FencingToken, LockMetadata Metadata, TimeSpan Remaining, long SentAt);

/// <summary>The lease of the grant still certainly lasts <paramref name="Remaining"/> from when the entity answered.</summary>
internal sealed record LeaseConfirmed(Guid RequestId, string LockId, TimeSpan Remaining, long SentAt);

/// <summary>The grant is lost (taken over, renewals failing, released elsewhere): the holder must stop.</summary>
internal sealed record RemoteLockLost(Guid RequestId, LockLost Lost);

/// <summary>A request failed; the exception is carried as <see cref="WireFailure"/>.</summary>
internal sealed record RemoteFailed(Guid CorrelationId, WireFailure Failure);

/// <summary>The answer to a <see cref="RemoteCommand"/> (<see cref="LockReleased"/>, <see cref="LockInfo"/>).</summary>
internal sealed record RemoteReply(Guid CorrelationId, object Reply);

/// <summary>The entity is moving (rebalance, leave, passivation): send the acquire again; the region delivers it to the new home.</summary>
internal sealed record RemoteRequeue(Guid RequestId);

/// <summary>The message the shard sends an entity to stop it (hand-off, passivation): the entity moves without losing its holders.</summary>
internal sealed class EntityHandOff
{
    public static readonly EntityHandOff Instance = new();
}

/// <summary>Sent by the entity-side relay of a request as soon as it exists: the caller's side watches it, so a request whose entity's node dies is sent again instead of hanging.</summary>
internal sealed record RemoteQueued(Guid RequestId);
