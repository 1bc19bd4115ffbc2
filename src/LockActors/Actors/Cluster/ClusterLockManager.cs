using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using LockActors.Configuration;
using LockActors.Messages;
using LockActors.Storage;

namespace LockActors.Actors.Cluster;

/// <summary>
/// The node's lock manager in cluster mode (<see cref="LockActorsExtension.Manager"/>): it takes the same commands and
/// gives the same replies as <see cref="LockManager"/>, but routes each one through the shard region to the one
/// <see cref="TargetEntity"/> of its target, wherever that runs.
/// </summary>
/// <remarks>
/// <para>It keeps the node's side of every grant it handed out: the <see cref="LockLease"/> the caller checks, which it
/// extends only by the entity's answers to its <see cref="HolderAlive"/> probes. A lease copy never outlives the
/// entity's: each answer says how long the entity's lease lasts from when it answered, and the copy counts that from
/// when the probe was <em>sent</em> (earlier), on this node's monotonic clock. So if the entity's node dies or is cut
/// off, the holder's lease runs out here no later than the entity's, which runs out before the sidecar can be judged
/// stale on the store's clock.</para>
/// <para>A request whose entity disappears (its node downed) is sent again: the region delivers it to the new home.
/// A grant nobody wants any more (its caller gave up, its owner died, its lease ran out here) is released.</para>
/// </remarks>
internal sealed class ClusterLockManager : ReceiveActor, IWithTimers
{
    private readonly LockActorsSettings _settings;
    private readonly LockStoreRegistry _stores;
    private readonly IActorRef _region;
    private readonly Dictionary<Guid, Pending> _pending = new();
    private readonly Dictionary<Guid, Held> _held = new();
    private readonly Dictionary<Guid, Command> _commands = new();
    private readonly Dictionary<IActorRef, Guid> _relays = new();
    private readonly HashSet<Guid> _acknowledged = [];
    private static readonly TimeSpan ResendInterval = TimeSpan.FromSeconds(1);
    private ILoggingAdapter? _logger;
    private ShuttingDown? _shutdown;

    public ClusterLockManager(LockActorsSettings settings, LockStoreRegistry stores, IActorRef region)
    {
        _settings = settings;
        _stores = stores;
        _region = region;
        Receive<Acquire>(OnAcquire);
        Receive<CancelAcquire>(cancel => RouteCancel(cancel));
        Receive<Release>(release => OnRelease(release, Sender));
        Receive<GetLockInfo>(info => SendCommand(info, Sender));
        Receive<AbandonedGrant>(abandoned => OnRelease(new Release(abandoned.Target, abandoned.LockId), ActorRefs.Nobody));
        Receive<CrashForTest>(crash => _region.Tell(new EntityEnvelope(LockTarget.Parse(crash.Target).Normalized, crash)));
        Receive<RemoteQueued>(OnQueued);
        Receive<RemoteGranted>(OnGranted);
        Receive<LeaseConfirmed>(OnConfirmed);
        Receive<RemoteLockLost>(lost => Lose(lost.RequestId, lost.Lost.Reason, lost.Lost.Cause));
        Receive<RemoteFailed>(OnFailed);
        Receive<RemoteReply>(OnReply);
        Receive<RemoteRequeue>(requeue => Resend(requeue.RequestId));
        Receive<ResendUnacknowledged>(resend => ResendIfUnacknowledged(resend.Id));
        Receive<Probe>(probe => SendProbe(probe.RequestId));
        Receive<CheckHeldLease>(check => CheckLease(check.RequestId));
        Receive<Terminated>(OnTerminated);
        Receive<DeadLetter>(OnDeadLetter);
        Receive<LockManager.GetChildCount>(_ => Sender.Tell(_held.Count + _pending.Count));
        Receive<ShutDownLocks>(_ => BeginShutdown(Sender));
        Receive<ShutdownDeadline>(_ => FinishShutdown());
        Receive<LockReleased>(_ => FinishShutdownIfDone()); // this manager's own shutdown releases
        Receive<Status.Failure>(_ => FinishShutdownIfDone());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private ILoggingAdapter Log => _logger ??= Context.GetLogger();

    /// <summary>Props for the node's manager, routing through <paramref name="region"/>.</summary>
    public static Props Props(LockActorsSettings settings, LockStoreRegistry stores, IActorRef region) =>
        Akka.Actor.Props.Create(() => new ClusterLockManager(settings, stores, region));

    protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(DeadLetter));

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    // ───────────────────────────── requests ─────────────────────────────

    private void OnAcquire(Acquire acquire)
    {
        if (_shutdown is not null)
        {
            Sender.Tell(new Status.Failure(new LockSystemShuttingDownException(acquire.Target)));
            return;
        }

        if (Resolve(acquire, Sender) is not { } target)
        {
            return;
        }

        if (acquire.OnStale is { } policy && !IsBuiltIn(policy))
        {
            Sender.Tell(new Status.Failure(new InvalidLockRequestException(target.Normalized,
                "a custom stale policy cannot be used in cluster mode: the policy would run on the node hosting the target's entity; use a built-in one (StalePolicy.TakeOver, Never, TakeOverIncludingCorrupt)")));
            return;
        }

        var pending = new Pending(acquire, target.Normalized, Sender, acquire.NotifyLost ?? Sender, Stopwatch.GetTimestamp());
        _pending[acquire.RequestId] = pending;
        Send(pending);
    }

    private void Send(Pending pending)
    {
        var request = pending.Request;
        var wait = request.WaitTimeout;
        if (wait is { } w && !LockLimits.IsInfinite(w) && w > TimeSpan.Zero)
        {
            var left = w - Stopwatch.GetElapsedTime(pending.StartedAt);
            wait = left > TimeSpan.Zero ? left : TimeSpan.Zero; // sent again after a move: only what is left of the wait
        }

        _region.Tell(new EntityEnvelope(pending.Target, new RemoteAcquire(
            request.RequestId, pending.Target, request.Ttl, wait, request.OwnerId, request.OnStale?.Name, request.HeartbeatInterval, Stopwatch.GetTimestamp())));
        AwaitAcknowledgement(request.RequestId);
    }

    /// <summary>
    /// A request stays unacknowledged until its entity's relay exists (<see cref="RemoteQueued"/>): until then it is
    /// sent again every <see cref="ResendInterval"/> (the entity ignores a request it already has), so a request sent
    /// towards a node that just died reaches the shard's new home instead of hanging.
    /// </summary>
    private void AwaitAcknowledgement(Guid id)
    {
        _acknowledged.Remove(id);
        Timers.StartPeriodicTimer("resend-" + id.ToString("N"), new ResendUnacknowledged(id), ResendInterval);
    }

    private void ResendIfUnacknowledged(Guid id)
    {
        if (_acknowledged.Contains(id))
        {
            Timers.Cancel("resend-" + id.ToString("N"));
        }
        else if (_pending.TryGetValue(id, out var pending))
        {
            Send(pending);
        }
        else if (_commands.TryGetValue(id, out var command))
        {
            _region.Tell(new EntityEnvelope(command.Target, new RemoteCommand(id, command.Request)));
        }
        else
        {
            Timers.Cancel("resend-" + id.ToString("N"));
        }
    }

    private void Resend(Guid requestId)
    {
        if (_pending.TryGetValue(requestId, out var pending))
        {
            Log.Debug("Sending acquire {0} of {1} again: its entity moved or its node left", requestId, pending.Target);
            Send(pending);
        }
    }

    private void RouteCancel(CancelAcquire cancel)
    {
        if (_pending.TryGetValue(cancel.RequestId, out var pending))
        {
            _region.Tell(new EntityEnvelope(pending.Target, new RemoteCancel(cancel.RequestId, pending.Target)));
        }
    }

    private void OnRelease(Release release, IActorRef caller)
    {
        if (Resolve(release, caller) is not { } target)
        {
            return;
        }

        foreach (var (requestId, held) in _held.Where(h => h.Value.LockId == release.LockId).ToArray())
        {
            held.Lease?.EndReleased(); // the caller gave it up: its lease is no longer certain from this instant
            Forget(requestId, held);
        }

        SendCommand(release with { Target = target.Normalized }, caller);
    }

    private void SendCommand(ILockCommand command, IActorRef caller)
    {
        if (Resolve(command, caller) is not { } target)
        {
            return;
        }

        var id = Guid.NewGuid();
        var normalized = command switch
        {
            Release r => r with { Target = target.Normalized },
            GetLockInfo i => i with { Target = target.Normalized },
            _ => command,
        };
        _commands[id] = new Command(normalized, target.Normalized, caller);
        _region.Tell(new EntityEnvelope(target.Normalized, new RemoteCommand(id, normalized)));
        AwaitAcknowledgement(id);
    }

    private LockTarget? Resolve(ILockCommand command, IActorRef caller)
    {
        try
        {
            var target = LockTarget.Parse(command.Target);
            LockRequestValidator.Validate(_settings, command, target, _stores.Resolve(target));
            return target;
        }
        catch (Exception e) when (e is LockException or ArgumentException)
        {
            caller.Tell(new Status.Failure(e));
            return null;
        }
    }

    private static bool IsBuiltIn(StalePolicy policy) =>
        ReferenceEquals(policy, StalePolicy.TakeOver) || ReferenceEquals(policy, StalePolicy.Never) || ReferenceEquals(policy, StalePolicy.TakeOverIncludingCorrupt);

    // ───────────────────────────── replies from entities ─────────────────────────────

    /// <summary>The entity-side relay of a request exists: watch it, so the request is sent again if its node dies.</summary>
    private void OnQueued(RemoteQueued queued)
    {
        if (_pending.ContainsKey(queued.RequestId) || _held.ContainsKey(queued.RequestId) || _commands.ContainsKey(queued.RequestId))
        {
            _acknowledged.Add(queued.RequestId);
            Timers.Cancel("resend-" + queued.RequestId.ToString("N"));
            _relays[Sender] = queued.RequestId;
            Context.Watch(Sender);
        }
    }

    private void OnGranted(RemoteGranted granted)
    {
        var deadline = granted.SentAt + ToTicks(granted.Remaining);
        if (_held.TryGetValue(granted.RequestId, out var held))
        {
            if (held.LockId == granted.LockId)
            {
                Extend(granted.RequestId, held, deadline); // adopted by a new incarnation of the entity
            }
            else
            {
                ReleaseUnwanted(granted.Target, granted.LockId, "a second grant for one request (sent again after a move)");
            }

            return;
        }

        if (!_pending.Remove(granted.RequestId, out var pending))
        {
            ReleaseUnwanted(granted.Target, granted.LockId, "its request was withdrawn");
            return;
        }

        held = new Held(granted, null, pending.Caller, pending.Owner, _settings.HeartbeatFor(granted.Metadata.Ttl, pending.Request.HeartbeatInterval));
        _held[granted.RequestId] = held;
        WatchOwner(pending.Owner);
        var trusted = _settings.TrustedLeaseFor(granted.Metadata.Ttl);
        if (Stopwatch.GetTimestamp() < deadline - ToTicks(trusted / 2))
        {
            Deliver(granted.RequestId, held, deadline);
        }
        else
        {
            // Counted from the acquire's send, the lease is short or over (the caller waited): the grant is handed out
            // only with a fresh answer, and given up if none comes within a lease.
            SendProbe(granted.RequestId);
            Timers.StartSingleTimer("lease-" + granted.RequestId.ToString("N"), new CheckHeldLease(granted.RequestId), trusted);
        }
    }

    private void Deliver(Guid requestId, Held held, long deadline)
    {
        var wire = held.Wire;
        var lease = new LockLease(deadline);
        held = held with { Lease = lease };
        _held[requestId] = held;
        held.Caller.Tell(new LockGranted(wire.Target, wire.LockId, wire.FencingToken, wire.Metadata, lease));
        Timers.StartPeriodicTimer("probe-" + requestId.ToString("N"), new Probe(requestId), held.ProbeInterval);
        ScheduleLeaseCheck(requestId, held);
    }

    private void OnConfirmed(LeaseConfirmed confirmed)
    {
        if (_held.TryGetValue(confirmed.RequestId, out var held) && held.LockId == confirmed.LockId)
        {
            Extend(confirmed.RequestId, held, confirmed.SentAt + ToTicks(confirmed.Remaining));
        }
    }

    private void Extend(Guid requestId, Held held, long deadline)
    {
        if (held.Lease is { } lease)
        {
            lease.Extend(deadline);
            ScheduleLeaseCheck(requestId, held);
        }
        else if (Stopwatch.GetTimestamp() < deadline)
        {
            Deliver(requestId, held, deadline);
        }
    }

    private void OnFailed(RemoteFailed failed)
    {
        var error = failed.Failure.ToException();
        if (_pending.Remove(failed.CorrelationId, out var pending))
        {
            pending.Caller.Tell(new Status.Failure(error));
        }
        else if (_commands.Remove(failed.CorrelationId, out var command))
        {
            command.Caller.Tell(new Status.Failure(error));
        }
        else if (_held.ContainsKey(failed.CorrelationId) && error is LockNotHeldException)
        {
            // A new incarnation of the entity could not adopt the grant: the sidecar no longer names it.
            Lose(failed.CorrelationId, error.Message, LockLossCause.TakenOver);
        }

        // Any other failure of a probe (the store unreachable during an adoption) leaves the grant to its lease clock.
    }

    private void OnReply(RemoteReply reply)
    {
        if (_commands.Remove(reply.CorrelationId, out var command))
        {
            command.Caller.Tell(reply.Reply);
        }
    }

    // ───────────────────────────── holding ─────────────────────────────

    private void SendProbe(Guid requestId)
    {
        if (_held.TryGetValue(requestId, out var held))
        {
            var grant = held.Wire;
            _region.Tell(new EntityEnvelope(grant.Target, new HolderAlive(requestId, grant.Target, grant.LockId, grant.Metadata, Stopwatch.GetTimestamp(), held.ProbeInterval)));
        }
    }

    private void ScheduleLeaseCheck(Guid requestId, Held held)
    {
        var left = held.Lease?.Remaining ?? TimeSpan.Zero;
        Timers.StartSingleTimer("lease-" + requestId.ToString("N"), new CheckHeldLease(requestId), left + TimeSpan.FromMilliseconds(1));
    }

    private void CheckLease(Guid requestId)
    {
        if (_held.TryGetValue(requestId, out var held))
        {
            if (held.Lease?.CheckLease() == true)
            {
                ScheduleLeaseCheck(requestId, held);
            }
            else
            {
                Lose(requestId, "no answer from the target's entity confirmed the lease in time (its node may be down or cut off)", LockLossCause.LeaseExpired);
            }
        }
    }

    /// <summary>The grant is over for its holder: told first, then released (best effort) so the entity stops renewing it.</summary>
    private void Lose(Guid requestId, string reason, LockLossCause cause)
    {
        if (!_held.TryGetValue(requestId, out var held))
        {
            return;
        }

        Forget(requestId, held);
        var grant = held.Wire;
        held.Lease?.MarkLost(reason, cause);
        if (!held.Delivered)
        {
            held.Caller.Tell(new Status.Failure(new StoreUnavailableException($"The lock on '{grant.Target}' was lost before it could be handed out: {reason}")));
        }
        else
        {
            TellOwner(held.Owner, new LockLost(grant.Target, grant.LockId, reason) { Cause = cause });
        }

        if (cause != LockLossCause.TakenOver)
        {
            ReleaseUnwanted(grant.Target, grant.LockId, reason);
        }
    }

    private void Forget(Guid requestId, Held held)
    {
        _held.Remove(requestId);
        var key = requestId.ToString("N");
        Timers.Cancel("probe-" + key);
        Timers.Cancel("lease-" + key);
        if (!_held.Values.Any(h => h.Owner.Equals(held.Owner)) && !held.Owner.IsNobody())
        {
            Context.Unwatch(held.Owner);
        }
    }

    private void ReleaseUnwanted(string target, string lockId, string reason)
    {
        Log.Info("Releasing grant {0} on {1}: {2}", lockId, target, reason);
        SendCommand(new Release(target, lockId), ActorRefs.Nobody);
    }

    private void WatchOwner(IActorRef owner)
    {
        if (!owner.IsNobody() && !IsTemporary(owner))
        {
            Context.Watch(owner);
        }
    }

    private static void TellOwner(IActorRef owner, object message)
    {
        if (!owner.IsNobody() && !IsTemporary(owner))
        {
            owner.Tell(message);
        }
    }

    private static bool IsTemporary(IActorRef actor) => actor.Path.Parent is { Name: "temp" } parent && parent.Parent is RootActorPath;

    private void OnTerminated(Terminated terminated)
    {
        if (_relays.Remove(terminated.ActorRef, out var requestId))
        {
            // The entity's relay is gone: its node left or died. Requests are sent again (the region finds the new
            // home); a holder's probes reach the new incarnation, which adopts the grant or says it is lost.
            if (_pending.ContainsKey(requestId))
            {
                Resend(requestId);
            }
            else if (_commands.TryGetValue(requestId, out var command))
            {
                _region.Tell(new EntityEnvelope(command.Target, new RemoteCommand(requestId, command.Request)));
                AwaitAcknowledgement(requestId);
            }
            else
            {
                _acknowledged.Remove(requestId);
            }

            return;
        }

        foreach (var (id, held) in _held.Where(h => h.Value.Owner.Equals(terminated.ActorRef)).ToArray())
        {
            held.Lease?.EndReleased();
            Forget(id, held);
            ReleaseUnwanted(held.Target, held.LockId, "its owner actor stopped");
        }
    }

    /// <summary>A grant nobody received (the caller's Ask had timed out): released (rule 10).</summary>
    private void OnDeadLetter(DeadLetter letter)
    {
        if (letter.Message is LockGranted granted && letter.Sender.Equals(Self))
        {
            foreach (var (id, held) in _held.Where(h => h.Value.LockId == granted.LockId).ToArray())
            {
                held.Lease?.EndReleased();
                Forget(id, held);
            }

            ReleaseUnwanted(granted.Target, granted.LockId, "the grant could not be delivered: its requester had given up");
        }
    }

    // ───────────────────────────── shutdown ─────────────────────────────

    /// <summary>The node is shutting down: its callers' grants are released (holders told first), its queued callers failed.</summary>
    private void BeginShutdown(IActorRef requester)
    {
        if (_shutdown is not null)
        {
            _shutdown.Requesters.Add(requester);
            return;
        }

        _shutdown = new ShuttingDown([requester], []);
        foreach (var (_, pending) in _pending)
        {
            pending.Caller.Tell(new Status.Failure(new LockSystemShuttingDownException(pending.Target)));
        }

        _pending.Clear();
        const string reason = "the actor system is shutting down; the lock is being released";
        foreach (var (id, held) in _held.ToArray())
        {
            Forget(id, held);
            held.Lease?.MarkLost(reason, LockLossCause.Shutdown);
            TellOwner(held.Owner, new LockLost(held.Target, held.LockId, reason) { Cause = LockLossCause.Shutdown });
            var release = Guid.NewGuid();
            var command = new Release(held.Target, held.LockId);
            _commands[release] = new Command(command, held.Target, Self);
            _shutdown.Releases.Add(release);
            _region.Tell(new EntityEnvelope(held.Target, new RemoteCommand(release, command)));
        }

        Timers.StartSingleTimer("shutdown", ShutdownDeadline.Instance, _settings.ShutdownReleaseTimeout);
        FinishShutdownIfDone();
    }

    private void FinishShutdownIfDone()
    {
        if (_shutdown is { Done: false } shutdown && shutdown.Releases.All(id => !_commands.ContainsKey(id)))
        {
            FinishShutdown();
        }
    }

    private void FinishShutdown()
    {
        if (_shutdown is not { Done: false } shutdown)
        {
            return;
        }

        shutdown.Done = true;
        var unconfirmed = shutdown.Releases.Where(_commands.ContainsKey).Select(id => _commands[id].Target).ToList();
        foreach (var requester in shutdown.Requesters)
        {
            requester.Tell(new LocksShutDown(shutdown.Releases.Count, unconfirmed));
        }
    }

    private static long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    // ───────────────────────────── state ─────────────────────────────

    private sealed record Pending(Acquire Request, string Target, IActorRef Caller, IActorRef Owner, long StartedAt);

    /// <summary>A grant of this node's caller; <paramref name="Lease"/> is the caller's copy, null until it is handed out.</summary>
    private sealed record Held(RemoteGranted Wire, LockLease? Lease, IActorRef Caller, IActorRef Owner, TimeSpan ProbeInterval)
    {
        public string LockId => Wire.LockId;

        public string Target => Wire.Target;

        public bool Delivered => Lease is not null;
    }

    private sealed record Command(ILockCommand Request, string Target, IActorRef Caller);

    private sealed record ShuttingDown(List<IActorRef> Requesters, List<Guid> Releases)
    {
        public bool Done { get; set; }
    }

    private sealed record Probe(Guid RequestId);

    private sealed record ResendUnacknowledged(Guid Id);

    private sealed record CheckHeldLease(Guid RequestId);

    private sealed class ShutdownDeadline
    {
        public static readonly ShutdownDeadline Instance = new();
    }
}
