using LockActors.Storage;

namespace LockActors.Messages;

/// <summary>The lock is yours until you release it or are told <see cref="LockLost"/>.</summary>
/// <param name="Target">The normalised target URI.</param>
/// <param name="LockId">Names this grant; pass it to <see cref="Release"/>.</param>
/// <param name="FencingToken">Grows with every grant of this target; pass it to the resource you protect.</param>
/// <param name="Metadata">What the sidecar says about this grant.</param>
/// <param name="Lease">
/// The grant's live lease: <see cref="LockLease.CheckLease"/> says synchronously whether it is still certainly held, and
/// <see cref="LockLease.Lost"/> fires if it is lost. This is how an <c>Ask</c> caller (whose temporary sender cannot
/// receive <see cref="LockLost"/>) learns of a loss.
/// </param>
public sealed record LockGranted(string Target, string LockId, long FencingToken, LockMetadata Metadata, LockLease Lease);

/// <summary>The grant was released and its sidecar removed (or handed straight to the next local waiter).</summary>
/// <param name="Target">The normalised target URI.</param>
/// <param name="LockId">The released grant.</param>
public sealed record LockReleased(string Target, string LockId);

/// <summary>
/// The grant is no longer yours: another process took it over, the sidecar vanished, or renewals failed for so long
/// that the lease may be considered stale elsewhere. Sent before anyone else may consider the lock stale.
/// </summary>
/// <param name="Target">The normalised target URI.</param>
/// <param name="LockId">The lost grant.</param>
/// <param name="Reason">What happened, for logs.</param>
public sealed record LockLost(string Target, string LockId, string Reason)
{
    /// <summary>Why, as a value to act on (<see cref="LockLossCause.Shutdown"/>: the actor system is stopping and releases the lock).</summary>
    public LockLossCause Cause { get; init; }
}

/// <summary>Who holds a target, as far as the store says.</summary>
/// <param name="Target">The normalised target URI.</param>
/// <param name="Metadata">The holder's metadata; null when the target is free.</param>
/// <param name="Age">Time since the holder last renewed, on the store's clock.</param>
/// <param name="IsStale">True when the holder stopped renewing for longer than its TTL.</param>
/// <param name="HeldLocally">True when the holder is a caller of this actor system.</param>
public sealed record LockInfo(string Target, LockMetadata? Metadata, TimeSpan? Age, bool IsStale, bool HeldLocally)
{
    /// <summary>True when somebody holds the lock (stale or not).</summary>
    public bool IsHeld => Metadata is not null;
}
