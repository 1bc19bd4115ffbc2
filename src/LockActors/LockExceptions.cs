using LockActors.Storage;

namespace LockActors;

/// <summary>The lock is held by someone else. Nothing was changed.</summary>
public sealed class LockAlreadyHeldException(string target, LockMetadata? holder)
    : LockException(target, holder is null
        ? $"The lock on '{target}' is already held."
        : $"The lock on '{target}' is already held by owner '{holder.OwnerId}' on {holder.Hostname} (pid {holder.ProcessId}, lock {holder.LockId}).")
{
    /// <summary>The holder's metadata, when known.</summary>
    public LockMetadata? Holder { get; } = holder;
}

/// <summary>
/// The base of LockActors' timeouts: catch it to treat every timeout alike. It replaces <see cref="TimeoutException"/>
/// (which LockActors timeouts no longer derive from) so that <c>catch (LockException)</c> also catches timeouts.
/// </summary>
public abstract class LockTimeoutException(string target, string message, Exception? inner = null)
    : LockException(target, message, inner);

/// <summary>
/// The lock stayed held (or the store kept failing) for the whole wait. Nothing was changed. Catch it, or
/// <see cref="LockTimeoutException"/> for every timeout. When the holder is a grant of this same actor system
/// (<see cref="LocalHolder"/>), the message says so: the caller was most likely waiting on its own undisposed handle.
/// </summary>
public sealed class LockAcquireTimeoutException(string target, TimeSpan waited, Exception? lastStoreError = null, LockMetadata? localHolder = null)
    : LockTimeoutException(target, Describe(target, waited, lastStoreError, localHolder), lastStoreError)
{
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

/// <summary>
/// The lock manager did not answer within <see cref="Timeout"/> (a lost reply or an overloaded actor system). The
/// outcome is unknown: a grant that arrives later finds nobody waiting and is released by the manager.
/// </summary>
public sealed class LockReplyTimeoutException(string target, TimeSpan timeout, Exception? inner = null)
    : LockTimeoutException(target, $"The lock manager did not answer within {timeout} about '{target}'; the outcome is unknown.", inner)
{
    /// <summary>How long the caller waited for the answer.</summary>
    public TimeSpan Timeout { get; } = timeout;
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
