namespace LockActors.Messages;

/// <summary>Why a grant ended before its holder released it (<see cref="LockLost.Cause"/>, <see cref="LockLease.LostCause"/>).</summary>
public enum LockLossCause
{
    /// <summary>Not stated (a <see cref="LockLost"/> built without a cause).</summary>
    Unspecified,

    /// <summary>No renewal was confirmed within the trusted part of the lease: another process may soon judge it stale.</summary>
    LeaseExpired,

    /// <summary>Another process took the lock over, or the sidecar was removed.</summary>
    TakenOver,

    /// <summary>The lock actor stopped without a coordinated shutdown (its supervisor gave up, or the system stopped abruptly); the sidecar expires by TTL.</summary>
    ActorStopped,

    /// <summary>The actor system is shutting down: the lock is released (its sidecar removed) right after this notice.</summary>
    Shutdown,
}
