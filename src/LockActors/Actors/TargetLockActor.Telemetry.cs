using System.Diagnostics;
using Akka.Actor;
using LockActors.Messages;
using LockActors.Storage;
using LockActors.Telemetry;

namespace LockActors.Actors;

/// <summary>
/// What <see cref="TargetLockActor"/> reports to the <c>LockActors</c> meter and activity source: every answer to an
/// acquire goes through <see cref="Answer(Waiter, LockGranted)"/>, <see cref="Answer(Waiter, Exception)"/> or
/// <see cref="Refuse"/>, and every hold starts in <see cref="StartHolding"/> and ends in <see cref="EndHolding"/>, so each
/// request is counted once and the held-locks count returns to zero.
/// </summary>
internal sealed partial class TargetLockActor
{
    /// <summary>Hands <paramref name="granted"/> to the waiter.</summary>
    private void Answer(Waiter waiter, LockGranted granted)
    {
        LockMetrics.AcquireGranted(_target.Scheme, waiter.QueuedAt);
        waiter.Requester.Tell(granted);
    }

    /// <summary>Fails the waiter's acquire with <paramref name="error"/>.</summary>
    private void Answer(Waiter waiter, Exception error)
    {
        LockMetrics.AcquireFailed(_target.Scheme, waiter.QueuedAt, error);
        waiter.Requester.Tell(new Status.Failure(error));
    }

    /// <summary>Fails an acquire that was never queued.</summary>
    private void Refuse(IActorRef requester, Exception error)
    {
        LockMetrics.AcquireFailed(_target.Scheme, Stopwatch.GetTimestamp(), error);
        requester.Tell(new Status.Failure(error));
    }

    /// <summary>The grant as it is handed out, confirmed as <paramref name="version"/> with <paramref name="metadata"/>: held from now on.</summary>
    private Grant StartHolding(Grant grant, SidecarVersion version, LockMetadata metadata)
    {
        LockMetrics.HoldStarted(_target.Scheme);
        return Holding(grant, version, metadata);
    }

    /// <summary>The held copy of a confirmed grant (one copy: version, metadata and hold start at once).</summary>
    internal static Grant Holding(Grant grant, SidecarVersion version, LockMetadata metadata) =>
        grant with { Version = version, Metadata = metadata, HeldSince = Stopwatch.GetTimestamp() };

    /// <summary>The holder gave the lock up (<paramref name="lostBy"/> null) or lost it.</summary>
    private void EndHolding(Grant held, LockLossCause? lostBy) => LockMetrics.HoldEnded(_target.Scheme, held.HeldSince, lostBy);

    /// <summary>A takeover's write settled: counted and traced when it replaced a stale sidecar.</summary>
    private void TakeoverEnded(TakingOver step, string outcome, Exception? error)
    {
        if (!step.Stale)
        {
            return;
        }

        if (outcome == TelemetryNames.TakeoverOutcomes.Taken)
        {
            LockMetrics.StaleTakeover(_target.Scheme);
        }

        LockSpans.Takeover(step.Waiter.Request.TraceParent, _target.Normalized, _target.Scheme, step.Grant.Token, step.Grant.ConfirmedSentAt, outcome, error);
    }
}
