using LockActors.Storage;

namespace LockActors;

/// <summary>Base of the lock protocol's typed failures (store failures derive from <see cref="LockStoreException"/>).</summary>
public abstract class LockException : Exception
{
    /// <summary>Creates the exception.</summary>
    protected LockException(string target, string message, Exception? inner = null) : base(message, inner) => Target = target;

    /// <summary>The target the failure concerns.</summary>
    public string Target { get; }
}

/// <summary>The lock is held by someone else (the seeds' <c>ErrLockAlreadyHeld</c>). Nothing was changed.</summary>
public sealed class LockAlreadyHeldException(string target, LockMetadata? holder)
    : LockException(target, holder is null
        ? $"The lock on '{target}' is already held."
        : $"The lock on '{target}' is already held by owner '{holder.OwnerId}' on {holder.Hostname} (pid {holder.ProcessId}, lock {holder.LockId}).")
{
    /// <summary>The holder's metadata, when known.</summary>
    public LockMetadata? Holder { get; } = holder;
}

/// <summary>
/// The lock stayed held (or the store kept failing) for the whole wait. Nothing was changed. A <see cref="TimeoutException"/>
/// as in DistributedLock; catch <see cref="TimeoutException"/> or this type. When the holder is a grant of this same actor
/// system (<see cref="LocalHolder"/>), the message says so: the caller was most likely waiting on its own undisposed handle.
/// </summary>
public sealed class LockAcquireTimeoutException(string target, TimeSpan waited, Exception? lastStoreError = null, LockMetadata? localHolder = null)
    : TimeoutException(Describe(target, waited, lastStoreError, localHolder), lastStoreError)
{
    /// <summary>The target.</summary>
    public string Target { get; } = target;

    /// <summary>How long the request waited.</summary>
    public TimeSpan Waited { get; } = waited;

    /// <summary>The holder when it is a grant of this same actor system (this process); null when held elsewhere or unknown.</summary>
    public LockMetadata? LocalHolder { get; } = localHolder;

    private static string Describe(string target, TimeSpan waited, Exception? lastStoreError, LockMetadata? localHolder)
    {
        var message = $"Timed out after {waited} waiting for the lock on '{target}'";
        if (localHolder is not null)
        {
            message += $": it is held by this process's own grant {localHolder.LockId} (owner '{localHolder.OwnerId}', since {localHolder.CreatedAt:O}); was an earlier handle not disposed?";
        }

        return lastStoreError is null ? message + "." : $"{message}; the last store error was: {lastStoreError.Message}";
    }
}

/// <summary>A release named a grant that does not hold the lock (wrong id, already released, or lost). Nothing was changed.</summary>
public sealed class LockNotHeldException(string target, string lockId, string reason)
    : LockException(target, $"Lock '{lockId}' does not hold '{target}': {reason}.")
{
    /// <summary>The lock id given.</summary>
    public string LockId { get; } = lockId;
}

/// <summary>The request itself is invalid (TTL not positive, negative wait…). Nothing was touched.</summary>
public sealed class InvalidLockRequestException(string target, string reason)
    : LockException(target, $"Invalid lock request for '{target}': {reason}.");

/// <summary>Too many callers are already queued for this target (<c>lock-actors.max-waiters-per-target</c>).</summary>
public sealed class LockQueueFullException(string target, int limit)
    : LockException(target, $"More than {limit} callers are already waiting for '{target}'.");

/// <summary>
/// The target's fencing token is already <see cref="long.MaxValue"/> (a hostile or broken sidecar): no greater token
/// exists, so no grant can be made. Tokens saturate; they never wrap. Nothing was changed.
/// </summary>
public sealed class FencingTokenExhaustedException(string target, long lastToken)
    : LockException(target, $"The fencing token of '{target}' is already {lastToken}; no greater token can be issued, so the lock cannot be granted.");
