namespace LockActors;

/// <summary>
/// The actor system is shutting down (or has stopped): its locks are being released and no new lock is granted. Thrown
/// at once by <see cref="Client.LockClient"/> after the shutdown began, and given to callers that were still queued.
/// Nothing was acquired.
/// </summary>
public sealed class LockSystemShuttingDownException(string target)
    : LockException(target, $"The lock on '{target}' was not granted: the actor system is shutting down and releases its locks.");
