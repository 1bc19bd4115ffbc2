using System.Diagnostics;
using Akka.Actor;
using LockActors.Configuration;
using LockActors.Messages;

namespace LockActors.Actors.Cluster;

/// <summary>
/// The entity-side stand-in for one request from another node: the local requester and lock owner that the
/// <see cref="TargetLockActor"/> sees. It turns the actor's local replies (a <see cref="LockGranted"/> with its live
/// lease, a <see cref="Status.Failure"/> with its exception, <see cref="LockLost"/>) into wire messages for the
/// caller's <see cref="ClusterLockManager"/>, and answers that node's <see cref="HolderAlive"/> probes from the lease.
/// </summary>
/// <remarks>
/// It watches the caller's node manager: when that node is downed it stops, and the target actor (which watches it as
/// the owner) withdraws the waiter at once or releases the grant — a grant only once the lease last confirmed to the
/// holder's node has run out: a downed node is not necessarily dead (a long pause, a partition), and its holder may
/// still write under that copy until then (seen with SIGSTOP in ProcessClusterTests). It also stops when no probe came
/// for a whole trusted lease: by then the holder's own copy of the lease has run out (it is only ever extended by a
/// probe's answer), so nobody can still be relying on the grant.
/// </remarks>
internal sealed class RemoteRequester : ReceiveActor, IWithTimers
{
    private const string LivenessTimer = "liveness";
    private readonly Guid _requestId;
    private readonly IActorRef _caller;
    private readonly LockActorsSettings _settings;
    private LockGranted? _granted;
    private long _lastProbe = Stopwatch.GetTimestamp();
    private long _echoSentAt;
    private long _confirmedUntil;

    /// <param name="requestId">The caller's request id (all replies carry it).</param>
    /// <param name="caller">The caller's node manager.</param>
    /// <param name="settings">The lock settings.</param>
    /// <param name="sentAt">The caller's send time of the request, echoed in the grant (the caller's monotonic clock).</param>
    public RemoteRequester(Guid requestId, IActorRef caller, LockActorsSettings settings, long sentAt)
    {
        _requestId = requestId;
        _caller = caller;
        _settings = settings;
        _echoSentAt = sentAt;
        Receive<LockGranted>(OnGranted);
        Receive<HolderAlive>(OnHolderAlive);
        Receive<LockLost>(lost => Finish(new RemoteLockLost(_requestId, lost)));
        Receive<Status.Failure>(failure => Finish(new RemoteFailed(_requestId, WireFailure.From(failure.Cause))));
        Receive<LockReleased>(reply => Finish(new RemoteReply(_requestId, reply)));
        Receive<LockInfo>(reply => Finish(new RemoteReply(_requestId, reply)));
        Receive<CheckLiveness>(_ => CheckHolderLiveness());
        Receive<Terminated>(t => t.ActorRef.Equals(_caller), _ => OnCallerGone());
        Receive<ConfirmedLeaseOver>(_ => Context.Stop(Self));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(Guid requestId, IActorRef caller, LockActorsSettings settings, long sentAt) =>
        Akka.Actor.Props.Create(() => new RemoteRequester(requestId, caller, settings, sentAt));

    protected override void PreStart()
    {
        Context.Watch(_caller);
        _caller.Tell(new RemoteQueued(_requestId));
    }

    private void OnGranted(LockGranted granted)
    {
        // A second grant for one request cannot happen (one waiter per request); an adoption's grant replaces nothing.
        _granted = granted;
        _lastProbe = Stopwatch.GetTimestamp();
        _confirmedUntil = _lastProbe + (long)(granted.Lease.Remaining.TotalSeconds * Stopwatch.Frequency);
        _caller.Tell(new RemoteGranted(_requestId, granted.Target, granted.LockId, granted.FencingToken, granted.Metadata, granted.Lease.Remaining, _echoSentAt));
        Timers.StartPeriodicTimer(LivenessTimer, CheckLiveness.Instance, _settings.TrustedLeaseFor(granted.Metadata.Ttl) / 4);
    }

    private void OnHolderAlive(HolderAlive probe)
    {
        _lastProbe = Stopwatch.GetTimestamp();
        if (_granted is null)
        {
            _echoSentAt = probe.SentAt; // adopting: the grant answers the latest probe
            return;
        }

        if (_granted.Lease.CheckLease())
        {
            var remaining = _granted.Lease.Remaining;
            _confirmedUntil = Math.Max(_confirmedUntil, Stopwatch.GetTimestamp() + (long)(remaining.TotalSeconds * Stopwatch.Frequency));
            _caller.Tell(new LeaseConfirmed(_requestId, _granted.LockId, remaining, probe.SentAt));
        }
    }

    /// <summary>
    /// The caller's node is gone (downed and removed). A waiter is withdrawn at once. A grant is released only when the
    /// lease this relay last confirmed has run out: the holder's copy, counted from its probe's send, ends before that.
    /// </summary>
    private void OnCallerGone()
    {
        var left = _confirmedUntil - Stopwatch.GetTimestamp();
        if (_granted is null || left <= 0)
        {
            Context.Stop(Self);
            return;
        }

        Timers.StartSingleTimer("confirmed-lease", ConfirmedLeaseOver.Instance, TimeSpan.FromSeconds(left / (double)Stopwatch.Frequency) + TimeSpan.FromMilliseconds(1));
    }

    private void CheckHolderLiveness()
    {
        if (_granted is not null && Stopwatch.GetElapsedTime(_lastProbe) > _settings.TrustedLeaseFor(_granted.Metadata.Ttl))
        {
            Context.Stop(Self); // the owner is gone: the target actor releases the grant
        }
    }

    private void Finish(object reply)
    {
        _caller.Tell(reply);
        Context.Stop(Self);
    }

    private sealed class CheckLiveness
    {
        public static readonly CheckLiveness Instance = new();
    }

    private sealed class ConfirmedLeaseOver
    {
        public static readonly ConfirmedLeaseOver Instance = new();
    }
}
