using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using LockActors.Messages;
using LockActors.Storage;

namespace LockActors.Actors;

/// <summary>
/// Cluster mode of <see cref="TargetLockActor"/>: moving to another node without losing holders, and adopting a grant
/// that a previous incarnation (on this or another node) made.
/// </summary>
internal sealed partial class TargetLockActor
{
    private const int AdoptAttempts = 3;
    private bool _handingOff;

    /// <summary>Once handing off and no store operation is in flight: stop, telling nobody (the holders are adopted).</summary>
    private void StopIfHandedOff()
    {
        if (_handingOff && _step is null)
        {
            StopLeaseTimers();
            Context.Stop(Self);
        }
    }

    /// <summary>
    /// A holder's node asks this incarnation, which does not know the grant, to keep it. Adopted only if the sidecar
    /// still names it, by a compare-and-swap renewal on the version read: if anyone took the lock over meanwhile the
    /// write fails and the holder is told the lock is gone. The lease counts from that write's send, as for any renewal.
    /// </summary>
    private void Adopt(AdoptGrant adopt, IActorRef requester)
    {
        if (_holder is { } held && held.LockId == adopt.LockId)
        {
            _holder = held with { Owner = adopt.Owner };
            WatchOwner(adopt.Owner);
            requester.Tell(new LockGranted(_target.Normalized, held.LockId, held.Token, held.Metadata, held.Lease));
        }
        else if (_holder is not null)
        {
            requester.Tell(new Status.Failure(new LockNotHeldException(_target.Normalized, adopt.LockId, "another grant holds it")));
        }
        else
        {
            Run(new Adopting(adopt, requester, null, 1), ct => _store.ReadAsync(_target.Sidecar, ct));
        }
    }

    private void OnAdoptStep(Adopting step, object? result, Exception? error)
    {
        if (error is not null)
        {
            // The holder keeps its grant until its own lease runs out; its next probe tries again.
            step.ReplyTo.Tell(new Status.Failure(error));
        }
        else if (step.Renewed is null)
        {
            var snapshot = (SidecarSnapshot?)result;
            var holder = snapshot is null ? null : Decode(snapshot).Holder;
            if (snapshot is null || holder is null || holder.LockId != step.Adopt.LockId)
            {
                step.ReplyTo.Tell(new Status.Failure(new LockNotHeldException(_target.Normalized, step.Adopt.LockId,
                    snapshot is null ? "the target is not locked any more" : "the sidecar names another grant")));
                return;
            }

            _lastToken = Math.Max(_lastToken, holder.FencingToken);
            var metadata = holder.WithHeartbeat(DateTimeOffset.UtcNow);
            var sentAt = Stopwatch.GetTimestamp();
            var lease = new LockLease(sentAt + ToTicks(_settings.TrustedLeaseFor(holder.Ttl)));
            // The renewal interval is not in the sidecar: the holder's node sends the one the grant was made with.
            var heartbeat = _settings.HeartbeatFor(holder.Ttl, step.Adopt.HeartbeatInterval);
            var renewed = new Grant(metadata, LockMetadataCodec.Encode(metadata), snapshot.Version, step.Adopt.Owner, lease, sentAt, heartbeat);
            var expected = snapshot.Version;
            Run(step with { Renewed = renewed }, ct => _store.TryReplaceAsync(_target.Sidecar, renewed.Encoded, expected, ct));
        }
        else if (result is SidecarVersion version && _holder is null)
        {
            var grant = step.Renewed with { Version = version };
            _holder = grant;
            ScheduleRenewal(grant);
            WatchOwner(grant.Owner);
            Log.Info("Adopted lock {0} on {1} from the sidecar", grant.LockId, _target);
            step.ReplyTo.Tell(new LockGranted(_target.Normalized, grant.LockId, grant.Token, grant.Metadata, grant.Lease));
        }
        else if (result is SidecarVersion landed)
        {
            Abandon(step.Renewed with { Version = landed }); // cannot happen (adoption runs settled, with no holder); never leak it
        }
        else if (step.Attempt < AdoptAttempts)
        {
            // Refused: a renewal of the previous incarnation may have landed after our read. Read again.
            Run(new Adopting(step.Adopt, step.ReplyTo, null, step.Attempt + 1), ct => _store.ReadAsync(_target.Sidecar, ct));
        }
        else
        {
            step.ReplyTo.Tell(new Status.Failure(new LockNotHeldException(_target.Normalized, step.Adopt.LockId, "the sidecar kept changing")));
        }
    }

    /// <summary>Reading, then renewing by compare-and-swap, a grant a previous incarnation made (<see cref="AdoptGrant"/>).</summary>
    private sealed record Adopting(AdoptGrant Adopt, IActorRef ReplyTo, Grant? Renewed, int Attempt) : Step("adopting");
}

/// <summary>Sent by the shard's entity to stop the lock actor for a move: it stops once settled and tells nobody.</summary>
internal sealed class StopForHandOff
{
    public static readonly StopForHandOff Instance = new();
}

/// <summary>Keep a grant made by a previous incarnation of the target's actor, if the sidecar still names it (cluster mode), renewing it at <c>HeartbeatInterval</c> (the configured one when null).</summary>
internal sealed record AdoptGrant(string Target, string LockId, IActorRef Owner, TimeSpan? HeartbeatInterval) : ILockCommand;
