using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using LockActors.Configuration;
using LockActors.Messages;
using LockActors.Storage;
using LockActors.Telemetry;

namespace LockActors.Actors;

/// <summary>Plumbing of <see cref="TargetLockActor"/>: store operations, timers, watched parties, deferral, restart and passivation.</summary>
internal sealed partial class TargetLockActor
{
    private const string HeartbeatTimer = "heartbeat";
    private const string LeaseTimer = "lease";
    private const string PollTimer = "poll";
    private const string StoreOpTimer = "store-op";
    private const string CleanUpTimer = "clean-up";
    private const string WaitTimer = "wait";

    // Process-wide so that a restarted incarnation never mistakes its predecessor's late reply for its own.
    private static long s_opIds;
    private long _opId;
    private CancellationTokenSource? _opCancellation;
    private StoreReply? _synchronousReply;
    private const int MaxSynchronousReplies = 16;
    private bool _renewalDue;
    private long _waitTimerDue = long.MaxValue; // when the wait timer is armed to fire; long.MaxValue: not armed
    private long _heartbeatArmedFor = long.MaxValue; // when the heartbeat timer is armed to fire; long.MaxValue: not armed
    private long _renewAt = long.MaxValue; // when the holder's next renewal is due; long.MaxValue: none

    /// <summary>A heartbeat timer that fires this close to the renewal's due time renews (the scheduler's clock is not the stopwatch's).</summary>
    private static readonly TimeSpan HeartbeatSlack = TimeSpan.FromMilliseconds(1);

    /// <summary>Props for the actor of <paramref name="target"/>.</summary>
    public static Props Props(LockTarget target, ILockStore store, LockActorsSettings settings, string instanceId) =>
        Akka.Actor.Props.CreateBy(new Producer(target, store, settings, instanceId)); // no expression tree or reflection per child

    private bool IsIdle => _step is null && _holder is null && _waiters.Count == 0 && _ownSidecars.Count == 0 && _deferred.Count == 0;

    // ───────────────────────────── store operations ─────────────────────────────

    /// <summary>
    /// Starts one store operation for <paramref name="step"/>. Its reply (or its timeout, enforced here even if the
    /// store ignores cancellation) comes back as a message and is handled by the step; a reply after the timeout is ignored.
    /// </summary>
    /// <remarks>
    /// The operation's <see cref="CancellationTokenSource"/> has no timer of its own: the actor's store-op timer
    /// cancels it (<see cref="OnStoreOpTimedOut"/>). Such a source holds no unmanaged resource, so it is not disposed.
    /// An operation that completed synchronously (mem://) starts no timer and sends no message: its reply is handled
    /// right after the current message's handler returns (<see cref="HandleSynchronousReplies"/>), as if it had been
    /// the next message in the mailbox.
    /// </remarks>
    private void Run<T>(Step step, Func<CancellationToken, Task<T>> operation)
    {
        var opId = _opId = Interlocked.Increment(ref s_opIds);
        _step = step;
        var cancellation = _opCancellation = new CancellationTokenSource();
        Task<T> task;
        try
        {
            task = operation(cancellation.Token);
        }
        catch (Exception e)
        {
            task = Task.FromException<T>(e);
        }

        if (task.IsCompleted)
        {
            _synchronousReply = ReplyOf(task, opId, _target, _settings.StoreOperationTimeout);
            return;
        }

        var self = Self;
        var target = _target;
        var timeout = _settings.StoreOperationTimeout;
        task.ContinueWith(
            t => self.Tell(ReplyOf(t, opId, target, timeout)),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        Timers.StartSingleTimer(StoreOpTimer, new StoreOpTimedOut(opId), timeout);
    }

    private static StoreReply ReplyOf<T>(Task<T> task, long opId, LockTarget target, TimeSpan timeout) =>
        task.IsCompletedSuccessfully
            ? new StoreReply(opId, task.Result, null)
            : new StoreReply(opId, null, Translate(task.Exception?.InnerException, target, timeout));

    /// <summary>
    /// An operation still in flight when this incarnation ends (restart, stop) is cancelled when its time is up, as
    /// its own timer did before: the actor's store-op timer dies with the incarnation.
    /// </summary>
    private void CancelOperationInFlightLater()
    {
        if (_step is not null && _opCancellation is { } cancellation)
        {
            cancellation.CancelAfter(_settings.StoreOperationTimeout);
        }
    }

    /// <summary>
    /// Handles the replies of store operations that completed synchronously, once the handler that started them has
    /// returned. A step whose reply starts another synchronous step continues here; after a bounded number the rest go
    /// through the mailbox, so that a store that always answers at once cannot keep other messages waiting.
    /// </summary>
    private void HandleSynchronousReplies()
    {
        for (var handled = 0; _synchronousReply is { } reply; handled++)
        {
            _synchronousReply = null;
            if (handled == MaxSynchronousReplies)
            {
                Self.Tell(reply);
                return;
            }

            OnStoreReply(reply);
        }
    }

    private void OnStoreReply(StoreReply reply)
    {
        if (reply.OpId != _opId || _step is not { } step || step is AwaitingRecovery)
        {
            return; // a reply that came after its timeout, or to a previous incarnation
        }

        Timers.Cancel(StoreOpTimer);
        _opCancellation = null;
        _step = null;
        OnStepCompleted(step, reply.Result, reply.Error);
        Settle();
    }

    private void OnStoreOpTimedOut(StoreOpTimedOut timedOut)
    {
        if (timedOut.OpId == _opId && _step is not null and not AwaitingRecovery)
        {
            // Time is up: cancel the operation. A reply already on its way, or a store that ignores its cancellation:
            // the outcome is unknown; the step decides (writes re-read).
            _ = _opCancellation?.CancelAsync(); // the store's cancellation callbacks run off this thread
            OnStoreReply(new StoreReply(timedOut.OpId, null, StoreTimeout(_target, _settings.StoreOperationTimeout)));
        }
    }

    /// <summary>No step in flight: handle deferred commands in arrival order, then due renewals, clean-ups and waiters.</summary>
    private void Settle()
    {
        while (_step is null && _deferred.TryDequeue(out var deferred))
        {
            HandleSettled(deferred.Message, deferred.Sender);
        }

        if (_step is null && _renewalDue)
        {
            RenewIfSettled();
        }

        CleanUpIfSettled();
        ServeNext();
    }

    private void DeferOrHandle(object message, IActorRef sender)
    {
        if (_step is null && _deferred.Count == 0)
        {
            HandleSettled(message, sender);
            Settle();
        }
        else
        {
            _deferred.Enqueue((message, sender));
        }
    }

    /// <summary>Removes a sidecar this actor wrote, conditionally; in strict fencing mode it leaves a tombstone that keeps the token.</summary>
    private async Task<bool> RemoveSidecarAsync(LockMetadata last, SidecarVersion version, CancellationToken cancellationToken)
    {
        if (_settings.Fencing != FencingMode.Strict)
        {
            return await _store.TryDeleteAsync(_target.Sidecar, version, cancellationToken).ConfigureAwait(false);
        }

        var tombstone = LockMetadataCodec.Encode(ReleasedTombstone.For(last, DateTimeOffset.UtcNow));
        return await _store.TryReplaceAsync(_target.Sidecar, tombstone, version, cancellationToken).ConfigureAwait(false) is not null;
    }

    private static Exception Translate(Exception? error, LockTarget target, TimeSpan timeout) => error switch
    {
        null or OperationCanceledException => StoreTimeout(target, timeout),
        LockStoreException => error,
        _ => new StoreUnavailableException($"The store failed an operation on '{target.Sidecar}': {error.Message}", error),
    };

    private static StoreUnavailableException StoreTimeout(LockTarget target, TimeSpan timeout) =>
        new($"The store did not answer within {timeout} for '{target.Sidecar}'; the outcome is unknown.");

    /// <summary>A failed write whose effect is unknown (timeout, 5xx, dropped reply) as opposed to a definite refusal (access denied…).</summary>
    private static bool IsUnknownOutcome(Exception error) => error is StoreUnavailableException;

    private (LockMetadata? Holder, CorruptSidecarException? Corruption) Decode(SidecarSnapshot snapshot)
    {
        try
        {
            return (LockMetadataCodec.Decode(_target.Sidecar, snapshot.Content.Span), null);
        }
        catch (CorruptSidecarException e)
        {
            return (null, e);
        }
        catch (Exception e)
        {
            return (null, new CorruptSidecarException(_target.Sidecar, e.Message, e)); // rule 11: nothing read can escape untyped
        }
    }

    // ───────────────────────────── grants and leases ─────────────────────────────

    /// <summary>A new grant for <paramref name="waiter"/>: its token is drawn now, before the write that carries it (rule 9).</summary>
    private Grant? NewGrant(Waiter waiter, long? tokenFloor = null)
    {
        var floor = Math.Max(_lastToken, tokenFloor ?? 0);
        if (FencingTokens.Next(floor) is not { } token)
        {
            FailWaiter(waiter, new FencingTokenExhaustedException(_target.Normalized, floor));
            return null;
        }

        var now = DateTimeOffset.UtcNow;
        var metadata = new LockMetadata(
            LockIds.New(_instanceId),
            waiter.Request.OwnerId ?? _settings.OwnerId,
            HostName,
            ProcessId,
            now,
            now,
            waiter.Ttl,
            token);
        var sentAt = Stopwatch.GetTimestamp();
        return Grant.New(metadata, waiter.Owner, sentAt + ToTicks(_settings.TrustedLeaseFor(waiter.Ttl)), sentAt, _settings.HeartbeatFor(waiter.Ttl, waiter.Request.HeartbeatInterval));
    }

    /// <summary>The same grant with new metadata, about to be sent now.</summary>
    private static Grant NewRevision(Grant held, LockMetadata metadata) =>
        held with { Metadata = metadata, Encoded = LockMetadataCodec.Encode(metadata), ConfirmedSentAt = Stopwatch.GetTimestamp() };

    private long LeaseDeadline(Grant grant) => grant.ConfirmedSentAt + ToTicks(_settings.TrustedLeaseFor(grant.Ttl));

    private static long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    /// <summary>
    /// Schedules the grant's first renewal. The lease timer is armed only when the renewal falls due (<see cref="OnHeartbeat"/>):
    /// the renewal is due well before the lease ends (at most half the trusted lease after the send), so a grant
    /// released before its first renewal — most of them — costs one timer, not two (P4); and when the heartbeat timer
    /// is still armed for an earlier time (a previous grant's renewal), none (<see cref="ArmHeartbeat"/>). The lease is checked now too.
    /// </summary>
    private void ScheduleRenewal(Grant grant)
    {
        var dueAt = grant.ConfirmedSentAt + ToTicks(grant.Heartbeat);
        ArmHeartbeat(dueAt);
        if (dueAt < LeaseDeadline(grant))
        {
            Timers.Cancel(LeaseTimer);
            CheckLease(arm: false);
        }
        else
        {
            CheckLease();
        }
    }

    /// <summary>
    /// The holder's next renewal is due at <paramref name="renewAt"/> (monotonic timestamp). The heartbeat timer is
    /// re-armed only if it is not armed to fire by then already: a timer left armed for an earlier renewal (the grant was
    /// released or handed over since) fires, finds the renewal not yet due, and is re-armed for it (<see cref="OnHeartbeat"/>).
    /// A hand-off every few microseconds thus costs no timer per grant (P4), and no renewal ever runs later than due.
    /// </summary>
    private void ArmHeartbeat(long renewAt)
    {
        _renewAt = renewAt;
        if (renewAt >= _heartbeatArmedFor)
        {
            return;
        }

        _heartbeatArmedFor = renewAt;
        var left = renewAt - Stopwatch.GetTimestamp();
        Timers.StartSingleTimer(HeartbeatTimer, Heartbeat.Instance, left > 0 ? Stopwatch.GetElapsedTime(0, left) : TimeSpan.Zero);
    }

    /// <summary>
    /// The heartbeat timer fired. Due (within a millisecond of the timer's resolution): from now until the renewal is
    /// confirmed the lease timer runs; then renew, if settled. Armed for an earlier renewal: re-armed for this one.
    /// </summary>
    private void OnHeartbeat()
    {
        _heartbeatArmedFor = long.MaxValue;
        if (_holder is null || _renewAt == long.MaxValue)
        {
            return; // released or lost since the timer was armed
        }

        if (_renewAt - Stopwatch.GetTimestamp() > ToTicks(HeartbeatSlack))
        {
            ArmHeartbeat(_renewAt);
            return;
        }

        CheckLease();
        RenewIfSettled();
    }

    private void RetryRenewalSoon()
    {
        var interval = _holder?.Heartbeat ?? _settings.HeartbeatFor(_settings.DefaultTtl);
        ArmHeartbeat(Stopwatch.GetTimestamp() + ToTicks(TimeSpan.FromTicks(Math.Min(interval.Ticks / 2, TimeSpan.TicksPerSecond))));
        CheckLease();
    }

    /// <summary>
    /// No renewal is due any more (released, lost, handing off). With waiters queued (a hand-off follows) the heartbeat
    /// timer is left armed: it then serves the next grant's renewal if it is armed early enough for it, or fires, finds
    /// nothing due and is re-armed (P4: no timer per hand-off). With nobody queued it is cancelled: an armed timer is a
    /// scheduler registration (~300 bytes) and a wake-up that an idle actor must not keep (P5).
    /// </summary>
    private void StopLeaseTimers()
    {
        _renewAt = long.MaxValue;
        Timers.Cancel(LeaseTimer);
        _renewalDue = false;
        if (_waiters.Count == 0 && _heartbeatArmedFor != long.MaxValue)
        {
            Timers.Cancel(HeartbeatTimer);
            _heartbeatArmedFor = long.MaxValue;
        }
    }

    // ───────────────────────────── parties: requesters and owners ─────────────────────────────

    /// <summary>Watches an actor whose death must withdraw its requests or release its lock. Ask's temporary actors only while queued.</summary>
    private void WatchParty(IActorRef party)
    {
        if (!party.IsNobody() && !party.Equals(Context.System.DeadLetters))
        {
            Context.Watch(party);
        }
    }

    /// <summary>
    /// Watches a holder's owner. An Ask's temporary actor is not watched: it dies right after its grant is delivered and
    /// its death releases nothing (<see cref="OnPartyTerminated"/>); watching it cost each actor ~0.5 KB of watch state (P5).
    /// </summary>
    private void WatchOwner(IActorRef owner)
    {
        if (!IsTemporary(owner))
        {
            WatchParty(owner);
        }
    }

    private void OnPartyTerminated(IActorRef party)
    {
        foreach (var waiter in _waiters.Where(w => w.Requester.Equals(party)).ToArray())
        {
            Log.Debug("Requester of {0} on {1} is gone; withdrawing its request", waiter.Request.RequestId, _target);
            Remove(waiter);
            LockMetrics.AcquireAbandoned(_target.Scheme, waiter.QueuedAt);
        }

        // An Ask's temporary actor dies right after its grant is delivered; only a real owner actor takes the lock with it.
        if (_holder is { } held && held.Owner.Equals(party) && !IsTemporary(party))
        {
            DeferOrHandle(new AbandonedGrant(_target.Normalized, held.LockId, "its owner actor stopped"), ActorRefs.Nobody);
        }
    }

    private void TellOwner(IActorRef owner, object message)
    {
        if (!owner.IsNobody() && !IsTemporary(owner))
        {
            owner.Tell(message);
        }
    }

    private static bool IsTemporary(IActorRef actor) => actor.Path.Parent is { Name: "temp" } parent && parent.Parent is RootActorPath;

    private static void Reply(IEnumerable<IActorRef> to, object message)
    {
        foreach (var actor in to)
        {
            actor.Tell(message);
        }
    }

    // ───────────────────────────── restart & passivation ─────────────────────────────

    /// <inheritdoc />
    protected override void PreRestart(Exception reason, object message)
    {
        // Hand what only memory knows to the next incarnation; the sidecar says the rest. A write in flight has an
        // unknown outcome: its sidecar is remembered so it is reclaimed or removed.
        CancelOperationInFlightLater();
        var ownSidecars = _ownSidecars.Values.ToList();
        if (UnconfirmedGrantOf(_step) is { } unconfirmed)
        {
            var replaced = _step is HandingOver or Recovering { UnknownWrite: HandingOver } ? HandedOverFrom(_step) : null;
            ownSidecars.Add(new OwnSidecar(unconfirmed.LockId, null, unconfirmed.Metadata, Stopwatch.GetTimestamp() + ToTicks(unconfirmed.Ttl), 0, replaced));
        }

        // A step that owes someone an answer is redone by the next incarnation: its command goes first in line.
        var redo = CommandOwedBy(_step).Concat(_deferred).ToArray();
        Self.Tell(new Recovered(_holder, _waiters.ToArray(), ownSidecars.ToArray(), redo, _shuttingDown));
        // No base call: it would run PostStop, which tells the holder its lock is gone. The actor has no children.
    }

    /// <summary>The grant an in-flight write would establish, whose outcome a crash leaves unknown.</summary>
    private static Grant? UnconfirmedGrantOf(Step? step) => step switch
    {
        Creating creating => creating.Grant,
        TakingOver takingOver => takingOver.Grant,
        HandingOver handingOver => handingOver.NextGrant,
        Recovering recovering => UnconfirmedGrantOf(recovering.UnknownWrite),
        _ => null,
    };

    private static string? HandedOverFrom(Step? step) => step switch
    {
        HandingOver handingOver => handingOver.Released.LockId,
        Recovering recovering => HandedOverFrom(recovering.UnknownWrite),
        _ => null,
    };

    /// <summary>The command to redo for an in-flight step whose reply the crash lost (waiters and holders are handed over separately).</summary>
    private IEnumerable<(object Message, IActorRef Sender)> CommandOwedBy(Step? step) => step switch
    {
        Recovering recovering => CommandOwedBy(recovering.UnknownWrite),
        ReadingInfo info => [(new GetLockInfo(_target.Normalized), info.ReplyTo)],
        ReleasingForeign foreign => [(foreign.Release, foreign.ReplyTo)],
        Releasing releasing => releasing.Releasers.Select(r => ((object)new Release(_target.Normalized, releasing.Released.LockId), r)),
        HandingOver handingOver => [(new Release(_target.Normalized, handingOver.Released.LockId), handingOver.Releaser)],
        _ => [],
    };

    /// <inheritdoc />
    protected override void PostRestart(Exception reason)
    {
        base.PostRestart(reason);
        _step = new AwaitingRecovery(); // everything waits (in order) for the predecessor's hand-over
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        CancelOperationInFlightLater();
        if (_handingOff)
        {
            return; // moving to another node: the next incarnation adopts the grant and the callers send their requests again
        }

        // Stopped for good (system shutdown, or the supervisor gave up): nobody renews any more, so say so now.
        if (_holder is { } held)
        {
            const string reason = "the lock actor stopped; the lock is no longer renewed";
            held.Lease.MarkLost(reason, LockLossCause.ActorStopped);
            TellOwner(held.Owner, new LockLost(_target.Normalized, held.LockId, reason) { Cause = LockLossCause.ActorStopped });
            EndHolding(held, LockLossCause.ActorStopped);
        }

        foreach (var waiter in _waiters)
        {
            Answer(waiter, new StoreUnavailableException($"The lock actor for '{_target}' stopped before the request was served."));
        }
    }

    private void Recover(Recovered recovered)
    {
        if (_step is not AwaitingRecovery)
        {
            return;
        }

        _step = null;
        var queuedMeanwhile = _deferred.ToArray();
        _deferred.Clear();
        foreach (var deferred in recovered.Deferred.Concat(queuedMeanwhile))
        {
            _deferred.Enqueue(deferred);
        }

        foreach (var sidecar in recovered.OwnSidecars)
        {
            _ownSidecars[sidecar.LockId] = sidecar;
        }

        var arrivedMeanwhile = _waiters.ToArray();
        _waiters.Clear();
        foreach (var waiter in recovered.Waiters.Concat(arrivedMeanwhile))
        {
            _waiters.AddLast(waiter);
            ArmWaitTimer(waiter.Deadline); // the predecessor's wait timer died with it
        }

        if (recovered.ShuttingDown)
        {
            _holder = recovered.Holder;
            BeginShutdown(); // the predecessor had begun it: carry on (fails the waiters, releases what is left)
            return;
        }

        if (recovered.Holder is { } held)
        {
            // Confirm by reading that the sidecar still names the grant; the lease clock keeps counting from its last confirmed send.
            Log.Info("Restarted actor for {0} re-reads the sidecar of lock {1}", _target, held.LockId);
            _holder = held;
            _lastToken = Math.Max(_lastToken, held.Token);
            Run(new Recovering(new Renewing(held, held)), ct => _store.ReadAsync(_target.Sidecar, ct));
            return;
        }

        Settle();
    }

    private void StopOrDecline()
    {
        if (IsIdle)
        {
            Context.Stop(Self);
        }
        else
        {
            Sender.Tell(new PassivationDeclined(Self));
        }
    }

    /// <summary>Creates the actor directly, also on supervisor restarts (Props.Create(expression) built an expression tree and used reflection per child).</summary>
    private sealed class Producer(LockTarget target, ILockStore store, LockActorsSettings settings, string instanceId) : IIndirectActorProducer
    {
        public Type ActorType => typeof(TargetLockActor);

        public ActorBase Produce() => new TargetLockActor(target, store, settings, instanceId);

        public void Release(ActorBase actor)
        {
        }
    }
}
