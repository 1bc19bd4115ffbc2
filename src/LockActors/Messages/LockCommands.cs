namespace LockActors.Messages;

/// <summary>A request routed by <see cref="Actors.LockManager"/> to the actor of its target.</summary>
public interface ILockCommand
{
    /// <summary>The target file URI as the caller spelled it.</summary>
    string Target { get; }
}

/// <summary>
/// Releases a lock granted earlier. Replies <see cref="LockReleased"/>, or <see cref="Akka.Actor.Status.Failure"/> with
/// <see cref="LockNotHeldException"/> when <see cref="LockId"/> does not hold the lock (never held, released, or lost);
/// in that case nothing is changed in the store.
/// </summary>
/// <param name="Target">The target file URI.</param>
/// <param name="LockId">The <see cref="LockGranted.LockId"/> of the grant being released.</param>
public sealed record Release(string Target, string LockId) : ILockCommand;

/// <summary>Withdraws a queued <see cref="Acquire"/> (no reply). The waiter is answered with <see cref="OperationCanceledException"/>.</summary>
/// <param name="Target">The target file URI.</param>
/// <param name="RequestId">The <see cref="Acquire.RequestId"/> to withdraw.</param>
public sealed record CancelAcquire(string Target, Guid RequestId) : ILockCommand;

/// <summary>Asks who holds <see cref="Target"/>. Replies <see cref="LockInfo"/> (read from the store unless held locally).</summary>
/// <param name="Target">The target file URI.</param>
public sealed record GetLockInfo(string Target) : ILockCommand;
