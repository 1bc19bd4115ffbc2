using Akka.Actor;
using LockActors.Messages;

namespace LockActors.Actors;

/// <summary>
/// Shutdown of <see cref="TargetLockActor"/>: the actor system is stopping, so the lock ends with its owner instead of
/// lingering until its TTL.
/// </summary>
internal sealed partial class TargetLockActor
{
    private const string ShutdownReason = "the actor system is shutting down; the lock is being released";

    private bool _shuttingDown;
    private bool _shutdownReported;

    /// <summary>
    /// Fails every queued waiter, tells the holder <see cref="LockLost"/> (<see cref="LockLossCause.Shutdown"/>) and
    /// removes its sidecar with the same conditional delete (or strict-mode tombstone) as a release. The holder is told
    /// first: once the sidecar is gone another process may take the lock. From now on no write establishes a new grant.
    /// </summary>
    private void BeginShutdown()
    {
        _shuttingDown = true;
        Timers.Cancel(PollTimer);
        foreach (var waiter in _waiters.ToArray())
        {
            FailWaiter(waiter, new LockSystemShuttingDownException(_target.Normalized));
        }

        foreach (var sidecar in _ownSidecars.Values.ToArray())
        {
            _ownSidecars[sidecar.LockId] = sidecar with { NextAttempt = 0 }; // abandoned sidecars go now, not on their back-off
        }

        if (_holder is { } held)
        {
            _holder = null;
            EndHolding(held, LockLossCause.Shutdown);
            StopLeaseTimers();
            held.Lease.MarkLost(ShutdownReason, LockLossCause.Shutdown);
            TellOwner(held.Owner, new LockLost(_target.Normalized, held.LockId, ShutdownReason) { Cause = LockLossCause.Shutdown });

            // Removed by the clean-up step (RemoveSidecarAsync, conditional on the version). A renewal in flight is
            // handled as for any holder that left meanwhile: if it landed, its new version is the one removed.
            Abandon(held);
        }

        if (_step is null)
        {
            Settle();
        }
    }

    /// <summary>Tells the manager, once, that this target holds nothing any more and no store operation is in flight.</summary>
    private void ReportShutdownIfReleased()
    {
        if (_shuttingDown && !_shutdownReported && _step is null && _holder is null && _ownSidecars.Count == 0)
        {
            _shutdownReported = true;
            Context.Parent.Tell(new TargetShutDown(Self));
        }
    }

    /// <summary>An acquire that reached this actor after the shutdown began.</summary>
    private bool RefuseWhileShuttingDown(IActorRef requester)
    {
        if (_shuttingDown)
        {
            Refuse(requester, new LockSystemShuttingDownException(_target.Normalized));
        }

        return _shuttingDown;
    }
}
