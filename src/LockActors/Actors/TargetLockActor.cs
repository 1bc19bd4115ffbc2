using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using LockActors.Configuration;
using LockActors.Messages;
using LockActors.Storage;
using LockActors.Telemetry;

namespace LockActors.Actors;

/// <summary>
/// One actor per target file. Serialises every request for the file (FIFO waiters), owns the sidecar I/O, the
/// renewal and lease timers, and replies with typed results. The sidecar is the source of truth: a restarted actor
/// re-reads it and carries on; its parent passivates it when it has had no request for a while and is idle.
/// </summary>
/// <remarks>
/// Two facts describe the actor at any time: <see cref="_holder"/>, the local grant that is held (renewals running),
/// and <see cref="_step"/>, the one store operation in flight (<see cref="Creating"/>, <see cref="Inspecting"/>,
/// <see cref="TakingOver"/>, <see cref="Renewing"/>, <see cref="Releasing"/>, <see cref="HandingOver"/>,
/// <see cref="Recovering"/>, …). With no step in flight the actor is <em>free</em> (no holder) or <em>held</em>.
/// Commands that need a settled actor wait in <see cref="_deferred"/>, in arrival order.
/// Every lease counts from when its write was sent; a grant whose lease ran out before its reply is never handed
/// out; tokens are drawn before the write that carries them; every write with an unknown outcome is followed by a
/// re-read; every grant nobody holds any more is removed or reclaimed (protocol rules 8–10). Nothing read from the
/// store and nothing a caller passes can throw out of a handler (rule 11).
/// </remarks>
internal sealed partial class TargetLockActor : UntypedActor, IWithTimers
{
    // Environment.MachineName is a gethostname(2) call on every read: ~5% of the acquire CPU in the P1 profile.
    private static readonly string HostName = Environment.MachineName;

    /// <summary>This process's id, read once: <see cref="Environment.ProcessId"/> is a getpid(2) per call.</summary>
    private static readonly int ProcessId = Environment.ProcessId;

    private readonly LockTarget _target;
    private readonly ILockStore _store;
    private readonly LockActorsSettings _settings;
    private readonly string _instanceId;
    private readonly LinkedList<Waiter> _waiters = new();
    // Made on first use (P5): most actors never defer a command or abandon a sidecar. Mutable structs: not readonly.
    private LazyQueue<(object Message, IActorRef Sender)> _deferred;
    private LazyDictionary<string, OwnSidecar> _ownSidecars = new(StringComparer.Ordinal);
    private ILoggingAdapter? _logger; // created on first use: a logger per idle actor costs ~0.5 KB (P5)
    private Grant? _holder;
    private Step? _step;
    private long _lastToken;
    private TimeSpan _pollDelay;
    private bool _storePrepared;

    /// <summary>Creates the actor for one target.</summary>
    public TargetLockActor(LockTarget target, ILockStore store, LockActorsSettings settings, string instanceId)
    {
        _target = target;
        _store = store;
        _settings = settings;
        _instanceId = instanceId;
        _pollDelay = settings.PollInterval;
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    private ILoggingAdapter Log => _logger ??= Context.GetLogger();

    // ───────────────────────────── dispatch ─────────────────────────────

    /// <inheritdoc />
    protected override void OnReceive(object message)
    {
        Dispatch(message);
        HandleSynchronousReplies();
        ReportShutdownIfReleased();
        StopIfHandedOff();
    }

    private void Dispatch(object message)
    {
        switch (message)
        {
            case StoreReply reply: OnStoreReply(reply); break;
            case StoreOpTimedOut timedOut: OnStoreOpTimedOut(timedOut); break;
            case Acquire acquire: Enqueue(acquire, Sender); break;
            case CancelAcquire cancel: Withdraw(cancel.RequestId, new OperationCanceledException($"Acquire of '{_target}' was cancelled.")); break;
            case WaitDeadline: ExpireWaiters(); break;
            case Terminated terminated: OnPartyTerminated(terminated.ActorRef); break;
            case LeaseCheck: CheckLease(); break;
            case Heartbeat: OnHeartbeat(); break;
            case PollStore: ServeNext(); break;
            case CleanUp: CleanUpIfSettled(); break;
            case GetLockInfo when _holder is { } held && _step is not Releasing and not HandingOver: Sender.Tell(LocalInfo(held)); break;
            case Release or GetLockInfo or AbandonedGrant or AdoptGrant: DeferOrHandle(message, Sender); break;
            case Recovered recovered: Recover(recovered); break;
            case StopIfIdle: StopOrDecline(); break;
            case ReleaseForShutdown: BeginShutdown(); break;
            case StopForHandOff: _handingOff = true; break;
            case CrashForTest crash: throw new InvalidOperationException(crash.Reason);
            default: Unhandled(message); break;
        }
    }

    /// <summary>Commands that need a settled actor (no store step in flight).</summary>
    private void HandleSettled(object message, IActorRef sender)
    {
        switch (message)
        {
            case Release release when _holder is { } held && held.LockId == release.LockId: ReleaseHeld(held, release, sender); break;
            case Release release: ReleaseWithoutLocalHolder(release, sender); break;
            case AbandonedGrant abandoned when _holder is { } held && held.LockId == abandoned.LockId:
                Log.Info("Releasing grant {0} on {1}: {2}", abandoned.LockId, _target, abandoned.Reason);
                ReleaseHeld(held, new Release(_target.Normalized, abandoned.LockId), ActorRefs.Nobody);
                break;
            case AbandonedGrant: break; // already released or lost
            case GetLockInfo when _holder is { } held: sender.Tell(LocalInfo(held)); break;
            case GetLockInfo: Run(new ReadingInfo(sender), ct => _store.ReadAsync(_target.Sidecar, ct)); break;
            case AdoptGrant adopt: Adopt(adopt, sender); break;
        }
    }

    /// <summary>Routes a store reply to the step that started the operation.</summary>
    private void OnStepCompleted(Step step, object? result, Exception? error)
    {
        switch (step)
        {
            case Preparing preparing: OnPrepared(preparing, error); break;
            case Creating creating: OnCreated(creating, (SidecarVersion?)result, error); break;
            case Inspecting inspecting: OnInspected(inspecting, (SidecarSnapshot?)result, error); break;
            case TakingOver takingOver: OnTakenOver(takingOver, (SidecarVersion?)result, error); break;
            case Renewing renewing: OnRenewed(renewing, (SidecarVersion?)result, error); break;
            case Releasing releasing: OnReleased(releasing, (bool?)result, error); break;
            case HandingOver handingOver: OnHandedOver(handingOver, (SidecarVersion?)result, error); break;
            case Recovering recovering: OnRecovered(recovering.UnknownWrite, (SidecarSnapshot?)result, error); break;
            case CleaningUp cleaningUp: OnCleanedUp(cleaningUp, (bool?)result, error); break;
            case ReadingInfo readingInfo: OnInfoRead(readingInfo, (SidecarSnapshot?)result, error); break;
            case ReleasingForeign foreign: OnForeignReleaseStep(foreign, result, error); break;
            case Adopting adopting: OnAdoptStep(adopting, result, error); break;
        }
    }

    // ───────────────────────────── acquiring ─────────────────────────────

    private void Enqueue(Acquire request, IActorRef requester)
    {
        if (RefuseWhileShuttingDown(requester))
        {
            return;
        }

        var waits = request.WaitTimeout is { } wait && (wait > TimeSpan.Zero || LockLimits.IsInfinite(wait));
        if ((_holder is not null || _step is Releasing or HandingOver) && !waits)
        {
            Refuse(requester, new LockAlreadyHeldException(_target.Normalized, _holder?.Metadata));
            return;
        }

        if (_waiters.Count >= _settings.MaxWaitersPerTarget)
        {
            Refuse(requester, new LockQueueFullException(_target.Normalized, _settings.MaxWaitersPerTarget));
            return;
        }

        var waiter = new Waiter(request, requester, request.NotifyLost ?? requester, request.Ttl ?? _settings.DefaultTtl, waits, Stopwatch.GetTimestamp());
        _waiters.AddLast(waiter);
        if (waits)
        {
            WatchParty(requester); // a requester that dies while queued is withdrawn (rule 10)
            ArmWaitTimer(waiter.Deadline);
        }

        ServeNext();
    }

    /// <summary>Starts serving the first waiter, if the lock is not held here and no store step is in flight.</summary>
    private void ServeNext()
    {
        if (_step is not null || _holder is not null || _waiters.Count == 0 || _handingOff)
        {
            return;
        }

        // While a re-read is scheduled, waiters wait for it; a caller who will not wait is answered now.
        if (!Timers.IsTimerActive(PollTimer))
        {
            Create(_waiters.First!.Value);
        }
        else if (_waiters.FirstOrDefault(w => !w.Waits) is { } impatient)
        {
            Create(impatient);
        }
    }

    private void Create(Waiter waiter)
    {
        if (_shuttingDown)
        {
            return; // no new grant while the system shuts down (its waiter was already failed)
        }

        if (!_storePrepared && _store is ILockStoreWarmUp warmUp)
        {
            // Connection set-up and endpoint probes happen before the lease clock starts, not inside the first write.
            Run(new Preparing(waiter), async ct =>
            {
                await warmUp.PrepareAsync(_target.Sidecar, ct).ConfigureAwait(false);
                return true;
            });
            return;
        }

        if (NewGrant(waiter) is { } grant)
        {
            Run(new Creating(waiter, grant), ct => _store.TryCreateAsync(_target.Sidecar, grant.Encoded, ct));
        }
    }

    private void OnPrepared(Preparing step, Exception? error)
    {
        if (error is not null)
        {
            FailOrRetry(step.Waiter, error);
            return;
        }

        _storePrepared = true; // the waiter is served by ServeNext once settled (it may have left meanwhile)
    }

    private void OnCreated(Creating step, SidecarVersion? version, Exception? error)
    {
        if (error is not null)
        {
            AfterFailedWrite(step, error, () => FailOrRetry(step.Waiter, error));
        }
        else if (version is { } v)
        {
            Granted(step.Waiter, step.Grant, v, CreatedMetadata(step.Grant));
        }
        else
        {
            Inspect(step.Waiter, attempt: 1);
        }
    }

    /// <summary>The metadata of a confirmed create: its token is the one written plus the time since the send (see <see cref="FencingTokens"/>).</summary>
    internal static LockMetadata CreatedMetadata(Grant grant) =>
        grant.Metadata with { FencingToken = FencingTokens.AfterCreate(grant.Token, Stopwatch.GetElapsedTime(grant.ConfirmedSentAt)) };

    private void Inspect(Waiter waiter, int attempt) =>
        Run(new Inspecting(waiter, attempt), ct => _store.ReadAsync(_target.Sidecar, ct));

    private void OnInspected(Inspecting step, SidecarSnapshot? snapshot, Exception? error)
    {
        if (error is not null)
        {
            FailOrRetry(step.Waiter, error);
        }
        else if (snapshot is null)
        {
            // Released between our create and read: race again, a few times, then back off.
            if (step.Attempt < 5)
            {
                Create(step.Waiter);
            }
            else
            {
                WaitForRemoteHolder(null, null);
            }
        }
        else
        {
            Judge(step.Waiter, snapshot);
        }
    }

    /// <summary>Decides what to do about a sidecar that exists while nobody here holds the lock.</summary>
    private void Judge(Waiter waiter, SidecarSnapshot snapshot)
    {
        var (holder, corruption) = Decode(snapshot);
        if (holder is not null)
        {
            _lastToken = Math.Max(_lastToken, holder.FencingToken);
            if (holder.LockId == ReleasedTombstone.LockId || _ownSidecars.Remove(holder.LockId))
            {
                TakeOver(waiter, snapshot.Version); // free (strict-mode tombstone), or our own sidecar that nobody holds
                return;
            }
        }

        var ttl = Staleness.TtlOf(holder, _settings.DefaultTtl);
        var stale = Staleness.IsStale(snapshot.Age, ttl, _store.Capabilities.ClockResolution, _settings.StaleGrace);
        if (stale)
        {
            var staleLock = new StaleLock(_target.Normalized, holder, snapshot.Age, corruption?.Reason);
            bool takeOver;
            try
            {
                takeOver = (waiter.Request.OnStale ?? _settings.OnStale).ShouldTakeOver(staleLock);
            }
            catch (Exception e)
            {
                // A user policy that throws fails its own request only (rule 11).
                FailWaiter(waiter, e);
                return;
            }

            if (takeOver)
            {
                // The stale holder may have been handed up to token + ttl before its first renewal (see FencingTokens).
                Log.Info("Taking over stale lock on {0} (age {1}, holder {2})", _target, snapshot.Age, holder?.LockId ?? "corrupt sidecar");
                TakeOver(waiter, snapshot.Version, holder is null ? _lastToken : FencingTokens.CoveredBy(holder.FencingToken, holder.Ttl), stale: true);
                return;
            }
        }

        if (corruption is not null)
        {
            FailWaiter(waiter, corruption);
            return;
        }

        WaitForRemoteHolder(holder, stale ? null : Staleness.TimeUntilStale(snapshot.Age, ttl, _store.Capabilities.ClockResolution, _settings.StaleGrace));
    }

    private void TakeOver(Waiter waiter, SidecarVersion expected, long? tokenFloor = null, bool stale = false)
    {
        if (_shuttingDown)
        {
            return;
        }

        if (NewGrant(waiter, tokenFloor) is { } grant)
        {
            Run(new TakingOver(waiter, grant, expected, stale), ct => _store.TryReplaceAsync(_target.Sidecar, grant.Encoded, expected, ct));
        }
    }

    private void OnTakenOver(TakingOver step, SidecarVersion? version, Exception? error)
    {
        if (error is not null)
        {
            if (!IsUnknownOutcome(error))
            {
                TakeoverEnded(step, TelemetryNames.TakeoverOutcomes.Error, error); // an unknown outcome is settled by the re-read
            }

            AfterFailedWrite(step, error, () => FailOrRetry(step.Waiter, error));
        }
        else if (version is { } v)
        {
            TakeoverEnded(step, TelemetryNames.TakeoverOutcomes.Taken, null);
            Granted(step.Waiter, step.Grant, v);
        }
        else
        {
            TakeoverEnded(step, TelemetryNames.TakeoverOutcomes.Refused, null);
            Inspect(step.Waiter, attempt: 1); // someone else renewed or took it first: judge again
        }
    }

    /// <summary>
    /// Another process holds the lock: fail callers who would not wait, and re-read after the back-off, or as soon as
    /// the holder's lease can first expire on the store's clock if that is sooner.
    /// </summary>
    private void WaitForRemoteHolder(LockMetadata? holder, TimeSpan? untilStale)
    {
        FailNonWaiting(holder);
        PollLater(untilStale);
    }

    /// <summary>Re-reads after the back-off (doubling up to max-poll-interval), or after <paramref name="untilStale"/> if sooner.</summary>
    private void PollLater(TimeSpan? untilStale)
    {
        if (_waiters.Count == 0)
        {
            return;
        }

        var delay = untilStale is { } u && u < _pollDelay ? u : _pollDelay;
        _pollDelay = TimeSpan.FromTicks(Math.Min(_pollDelay.Ticks * 2, _settings.MaxPollInterval.Ticks));
        Timers.StartSingleTimer(PollTimer, PollStore.Instance, delay);
    }

    /// <summary>
    /// The store confirmed, as <paramref name="version"/>, the write that makes <paramref name="grant"/> the holder's
    /// (with <paramref name="confirmed"/> as its metadata, if it changed): hand it out, unless that is no longer safe or
    /// wanted. The held grant is one copy of <paramref name="grant"/> (P4: was two or three).
    /// </summary>
    private void Granted(Waiter waiter, Grant grant, SidecarVersion version, LockMetadata? confirmed = null)
    {
        var metadata = confirmed ?? grant.Metadata;
        _lastToken = Math.Max(_lastToken, metadata.FencingToken);
        _pollDelay = _settings.PollInterval;
        if (!grant.Lease.CheckLease())
        {
            // Rule 8: the reply came after the lease (counted from the send) ran out; another process may already judge
            // the sidecar stale. Never hand it out; remove it and let the waiter try again within its wait.
            Log.Warning("The store confirmed lock {0} on {1} only after its lease ran out; not granting it", grant.LockId, _target);
            Abandon(grant with { Version = version, Metadata = metadata });
            if (!waiter.Waits)
            {
                FailWaiter(waiter, new StoreUnavailableException(
                    $"The store confirmed the lock on '{_target}' only after its {grant.Ttl} lease had run out; the lock was not granted."));
            }

            return;
        }

        if (!Remove(waiter))
        {
            Log.Debug("Grant {0} on {1} arrived after its caller left; releasing it", grant.LockId, _target);
            Abandon(grant with { Version = version, Metadata = metadata });
            return;
        }

        _ownSidecars.Remove(grant.LockId);
        _holder = grant = StartHolding(grant, version, metadata);
        ScheduleRenewal(grant);
        WatchOwner(grant.Owner); // an owner actor that dies takes its lock with it (rule 10)
        Answer(waiter, new LockGranted(_target.Normalized, grant.LockId, grant.Token, grant.Metadata, grant.Lease));
        FailNonWaiting(grant.Metadata);
    }

    private void FailOrRetry(Waiter waiter, Exception error)
    {
        if (waiter.Waits && error is StoreUnavailableException && _waiters.Contains(waiter))
        {
            // Transient: retried within the caller's wait, not thrown at once; reported if the wait runs out.
            waiter.LastError = error;
            Log.Warning("Store error while acquiring {0} ({1}); retrying within the caller's wait", _target, error.Message);
            PollLater(null);
            return;
        }

        FailWaiter(waiter, error);
    }

    private void FailWaiter(Waiter waiter, Exception error)
    {
        if (Remove(waiter))
        {
            Answer(waiter, error);
        }
    }

    private void FailNonWaiting(LockMetadata? holder)
    {
        if (!AnyNonWaiting())
        {
            return; // the common case, checked without allocating (every grant passes here)
        }

        foreach (var waiter in _waiters.Where(w => !w.Waits).ToArray())
        {
            Remove(waiter);
            Answer(waiter, new LockAlreadyHeldException(_target.Normalized, holder));
        }
    }

    private void Withdraw(Guid requestId, Exception? reason)
    {
        if (_waiters.FirstOrDefault(w => w.Request.RequestId == requestId) is { } waiter)
        {
            Withdraw(waiter, reason);
        }
    }

    private void Withdraw(Waiter waiter, Exception? reason)
    {
        if (!Remove(waiter))
        {
            return;
        }

        var waited = Stopwatch.GetElapsedTime(waiter.QueuedAt);
        // Held by a grant of this very actor system: the caller is most likely waiting on its own undisposed handle.
        Answer(waiter, reason ?? new LockAcquireTimeoutException(_target.Normalized, waited, waiter.LastError, _holder?.Metadata));
    }

    /// <summary>
    /// Arms the queue's one wait timer for <paramref name="deadline"/>, unless it is armed for an earlier one already. A
    /// waiter costs no timer of its own (P4): the timer is re-armed only when it fires, for the earliest deadline left.
    /// A waiter that leaves a queue others still wait in leaves the timer as it is (when it fires early for nobody, it
    /// is re-armed); the last one out cancels it (<see cref="Remove"/>).
    /// </summary>
    private void ArmWaitTimer(long deadline)
    {
        if (deadline >= _waitTimerDue)
        {
            return; // also a waiter that waits forever (long.MaxValue)
        }

        _waitTimerDue = deadline;
        var left = deadline - Stopwatch.GetTimestamp();
        Timers.StartSingleTimer(WaitTimer, WaitDeadline.Instance, left > 0 ? Stopwatch.GetElapsedTime(0, left) : TimeSpan.Zero);
    }

    /// <summary>The wait timer fired: every waiter whose wait is over is told so, in queue order; the timer is re-armed for the next.</summary>
    private void ExpireWaiters()
    {
        _waitTimerDue = long.MaxValue;
        var now = Stopwatch.GetTimestamp();
        var next = long.MaxValue;
        List<Waiter>? expired = null;
        foreach (var waiter in _waiters)
        {
            if (waiter.Deadline <= now)
            {
                (expired ??= []).Add(waiter);
            }
            else
            {
                next = Math.Min(next, waiter.Deadline);
            }
        }

        foreach (var waiter in expired ?? [])
        {
            Withdraw(waiter, null);
        }

        ArmWaitTimer(next);
    }

    /// <summary>
    /// Takes the waiter out of the queue. An Ask's temporary requester makes one request: once it is out of the queue
    /// nothing needs its death, so it is unwatched here (P4: one Unwatch instead of a Terminated message per waiter,
    /// whose handling scanned the whole queue).
    /// </summary>
    private bool Remove(Waiter waiter)
    {
        if (!_waiters.Remove(waiter))
        {
            return false;
        }

        if (_waiters.Count == 0 && _waitTimerDue != long.MaxValue)
        {
            // Nobody left to expire: an idle actor keeps no armed timer (P5); the next waiter arms it again.
            Timers.Cancel(WaitTimer);
            _waitTimerDue = long.MaxValue;
        }

        if (waiter.Waits && IsTemporary(waiter.Requester))
        {
            Context.Unwatch(waiter.Requester);
        }

        return true;
    }

    /// <summary>The first waiter that waits (a queue scan without LINQ's allocations: it runs on every hand-off).</summary>
    private Waiter? FirstWaiting() => First(waits: true);

    private bool AnyNonWaiting() => First(waits: false) is not null;

    /// <summary>The first queued waiter whose <see cref="Waiter.Waits"/> is <paramref name="waits"/>.</summary>
    private Waiter? First(bool waits)
    {
        foreach (var waiter in _waiters)
        {
            if (waiter.Waits == waits)
            {
                return waiter;
            }
        }

        return null;
    }

    // ───────────────────────────── holding ─────────────────────────────

    private void RenewIfSettled()
    {
        _renewalDue = _holder is not null && _step is not null; // a busy actor renews as soon as the step completes
        if (_holder is { } held && _step is null)
        {
            var renewed = NewRevision(held, held.Metadata.WithHeartbeat(DateTimeOffset.UtcNow));
            Run(new Renewing(held, renewed), ct => _store.TryReplaceAsync(_target.Sidecar, renewed.Encoded, held.Version, ct));
        }
    }

    private void OnRenewed(Renewing step, SidecarVersion? version, Exception? error)
    {
        if (_holder?.LockId != step.Held.LockId)
        {
            // Lost or released while the renewal was in flight: a renewal that landed leaves a sidecar nobody holds.
            if (version is { } landed)
            {
                Abandon(step.Renewed with { Version = landed });
            }
            else if (error is not null && _ownSidecars.ContainsKey(step.Held.LockId))
            {
                Run(new Recovering(new CleaningUp(_ownSidecars[step.Held.LockId])), ct => _store.ReadAsync(_target.Sidecar, ct));
            }

            return;
        }

        if (version is { } v)
        {
            LockMetrics.HeartbeatConfirmed(_target.Scheme);
            Confirmed(step.Renewed with { Version = v });
        }
        else
        {
            LockMetrics.HeartbeatFailed(_target.Scheme, error);
            // Refused, or unknown: our own earlier renewal may have landed late. Re-read before declaring anything.
            Run(new Recovering(step), ct => _store.ReadAsync(_target.Sidecar, ct));
            if (error is not null)
            {
                Log.Warning("Renewal of {0} failed ({1}); re-reading", _target, error.Message);
            }
        }
    }

    /// <summary>The store confirmed a renewal sent at <see cref="Grant.ConfirmedSentAt"/>: the lease counts from that send.</summary>
    private void Confirmed(Grant renewed)
    {
        _holder = renewed;
        renewed.Lease.Extend(LeaseDeadline(renewed));
        if (renewed.Lease.IsEnded)
        {
            Lose("the holder found the lease over (CheckLease) before the renewal was confirmed", LockLossCause.LeaseExpired, renewed);
            return;
        }

        ScheduleRenewal(renewed);
    }

    /// <summary>Loses the holder's grant if its lease is over; otherwise, with <paramref name="arm"/>, checks again when it would end.</summary>
    private void CheckLease(bool arm = true)
    {
        if (_holder is not { } held)
        {
            return;
        }

        var left = LeaseDeadline(held) - Stopwatch.GetTimestamp();
        if (left <= 0 || held.Lease.IsEnded)
        {
            var since = Stopwatch.GetElapsedTime(held.ConfirmedSentAt);
            Lose($"no renewal was confirmed for {since.TotalMilliseconds:F0} ms of a {held.Ttl.TotalMilliseconds:F0} ms lease", LockLossCause.LeaseExpired, held);
        }
        else if (arm)
        {
            Timers.StartSingleTimer(LeaseTimer, LeaseCheck.Instance, Stopwatch.GetElapsedTime(0, left));
        }
    }

    /// <summary>The holder's lease is over: tell it first, then make sure the sidecar (if still ours) is removed or reclaimed.</summary>
    private void Lose(string reason, LockLossCause cause, Grant held, bool sidecarMayBeOurs = true)
    {
        Log.Warning("Lock {0} on {1} lost: {2}", held.LockId, _target, reason);
        _holder = null;
        EndHolding(held, cause);
        StopLeaseTimers();
        held.Lease.MarkLost(reason, cause);
        TellOwner(held.Owner, new LockLost(_target.Normalized, held.LockId, reason) { Cause = cause });
        if (sidecarMayBeOurs)
        {
            Abandon(held, retryUntil: Stopwatch.GetTimestamp()); // one attempt: the lease is over, the sidecar goes stale soon
        }
    }

    // ───────────────────────────── releasing ─────────────────────────────

    private void ReleaseHeld(Grant held, Release release, IActorRef releaser)
    {
        _holder = null;
        EndHolding(held, null);
        StopLeaseTimers();
        held.Lease.EndReleased(); // the caller gave it up: its lease is no longer certain from this instant
        var next = _handingOff ? null : FirstWaiting(); // a moving entity grants nothing new
        if (next is not null && NewGrant(next) is { } nextGrant)
        {
            Run(new HandingOver(held, releaser, next, nextGrant), ct => _store.TryReplaceAsync(_target.Sidecar, nextGrant.Encoded, held.Version, ct));
            return;
        }

        RunRelease(new Releasing(held, [releaser]));
    }

    private void RunRelease(Releasing step)
    {
        var held = step.Released;
        Run(step, ct => RemoveSidecarAsync(held.Metadata, held.Version, ct));
    }

    private void OnReleased(Releasing step, bool? removed, Exception? error)
    {
        if (removed == true)
        {
            _ownSidecars.Remove(step.Released.LockId);
            Reply(step.Releasers, new LockReleased(_target.Normalized, step.Released.LockId));
            return;
        }

        // Refused (our own late renewal may have changed the version) or unknown: re-read and decide.
        Run(new Recovering(step), ct => _store.ReadAsync(_target.Sidecar, ct));
    }

    private void OnHandedOver(HandingOver step, SidecarVersion? version, Exception? error)
    {
        if (version is { } v)
        {
            step.Releaser.Tell(new LockReleased(_target.Normalized, step.Released.LockId));
            Granted(step.Next, step.NextGrant, v);
            return;
        }

        Run(new Recovering(step), ct => _store.ReadAsync(_target.Sidecar, ct));
    }

    /// <summary>A release this actor did not grant (restarted actor, or another system's lock id): honour it by the sidecar.</summary>
    private void ReleaseWithoutLocalHolder(Release release, IActorRef replyTo) =>
        Run(new ReleasingForeign(release, replyTo, null), ct => _store.ReadAsync(_target.Sidecar, ct));

    private void OnForeignReleaseStep(ReleasingForeign step, object? result, Exception? error)
    {
        if (error is not null && step.Version is not null && IsUnknownOutcome(error))
        {
            Run(new Recovering(step), ct => _store.ReadAsync(_target.Sidecar, ct)); // did the delete apply?
        }
        else if (error is not null)
        {
            step.ReplyTo.Tell(new Status.Failure(error));
        }
        else if (step.Version is null)
        {
            // The read: delete only if the sidecar names the grant being released.
            var snapshot = (SidecarSnapshot?)result;
            var holder = snapshot is null ? null : Decode(snapshot).Holder;
            if (holder is not null && _ownSidecars.TryGetValue(holder.LockId, out var successor) && successor.Replaced == step.Release.LockId)
            {
                step.ReplyTo.Tell(new LockReleased(_target.Normalized, step.Release.LockId)); // our hand-over had replaced it
                return;
            }

            if (snapshot is null || holder?.LockId != step.Release.LockId)
            {
                step.ReplyTo.Tell(new Status.Failure(new LockNotHeldException(_target.Normalized, step.Release.LockId,
                    snapshot is null ? "the target is not locked" : "another grant holds it")));
                return;
            }

            var version = snapshot.Version;
            Run(step with { Version = version }, ct => _store.TryDeleteAsync(_target.Sidecar, version, ct));
        }
        else
        {
            var removed = (bool)result!;
            if (removed)
            {
                _ownSidecars.Remove(step.Release.LockId);
            }

            step.ReplyTo.Tell(removed ? new LockReleased(_target.Normalized, step.Release.LockId)
                : new Status.Failure(new LockNotHeldException(_target.Normalized, step.Release.LockId, "it changed during the release")));
        }
    }

    // ───────────────────────────── recovering from unknown outcomes ─────────────────────────────

    /// <summary>A write failed. Unknown outcome (timeout, 5xx, dropped reply): re-read. Definite failure: <paramref name="otherwise"/>.</summary>
    private void AfterFailedWrite(Step step, Exception error, Action otherwise)
    {
        if (IsUnknownOutcome(error))
        {
            Log.Warning("{0} of {1} has an unknown outcome ({2}); re-reading", step.Name, _target, error.Message);
            Run(new Recovering(step), ct => _store.ReadAsync(_target.Sidecar, ct));
        }
        else
        {
            otherwise();
        }
    }

    /// <summary>The re-read after a write with an unknown outcome: what the sidecar names now decides what happened.</summary>
    private void OnRecovered(Step write, SidecarSnapshot? snapshot, Exception? error)
    {
        var current = snapshot is null ? null : Decode(snapshot).Holder;
        bool Names(string lockId) => current is not null && current.LockId == lockId;

        switch (write)
        {
            case Creating c when error is null && snapshot is not null && Names(c.Grant.LockId):
                Granted(c.Waiter, c.Grant, snapshot.Version, CreatedMetadata(c.Grant));
                break;
            case TakingOver t when error is null && snapshot is not null && Names(t.Grant.LockId):
                TakeoverEnded(t, TelemetryNames.TakeoverOutcomes.Taken, null); // the write with an unknown outcome had landed
                Granted(t.Waiter, t.Grant, snapshot.Version);
                break;
            case Creating c:
                RememberUnconfirmed(c.Grant);
                ContinueAfterUnconfirmedWrite(c.Waiter, snapshot, error);
                break;
            case TakingOver t:
                TakeoverEnded(t, TelemetryNames.TakeoverOutcomes.Error, error ?? new StoreUnavailableException($"The takeover of '{_target}' was not confirmed: the sidecar does not name it."));
                RememberUnconfirmed(t.Grant);
                ContinueAfterUnconfirmedWrite(t.Waiter, snapshot, error);
                break;

            case Renewing r when _holder?.LockId != r.Held.LockId:
                break; // lost or released meanwhile; nothing to adopt
            case Renewing r when error is not null:
                RetryRenewalSoon(); // cannot tell: keep trying; the lease clock decides
                break;
            case Renewing r when snapshot is not null && Names(r.Held.LockId):
                _holder = r.Held with { Version = snapshot.Version }; // still ours (a late renewal may have landed): keep the confirmed send time
                RetryRenewalSoon();
                break;
            case Renewing r:
                Lose("another process took over or removed the sidecar", LockLossCause.TakenOver, r.Held, sidecarMayBeOurs: false);
                break;

            case Releasing { After: { } h } rel when error is null && snapshot is not null && Names(h.NextGrant.LockId):
                Reply(rel.Releasers, new LockReleased(_target.Normalized, rel.Released.LockId)); // the hand-over had landed
                Granted(h.Next, h.NextGrant, snapshot.Version);
                break;
            case Releasing rel when error is null && (snapshot is null || !Names(rel.Released.LockId)):
                _ownSidecars.Remove(rel.Released.LockId);
                Reply(rel.Releasers, snapshot is null
                    ? new LockReleased(_target.Normalized, rel.Released.LockId)
                    : new Status.Failure(new LockNotHeldException(_target.Normalized, rel.Released.LockId, "it was taken over or removed before the release")));
                break;
            case Releasing rel:
                // Still ours (or unreadable): renewals have stopped; the clean-up step retries the removal until the lease ends.
                Reply(rel.Releasers, new Status.Failure(new StoreUnavailableException(
                    $"The release of '{_target}' could not be confirmed ({error?.Message ?? "the sidecar changed"}); renewals have stopped and the removal is retried until the lease ends.", error)));
                Abandon(rel.Released with { Version = snapshot?.Version ?? rel.Released.Version });
                break;

            case HandingOver h when error is null && snapshot is not null && Names(h.NextGrant.LockId):
                h.Releaser.Tell(new LockReleased(_target.Normalized, h.Released.LockId));
                Granted(h.Next, h.NextGrant, snapshot.Version);
                break;
            case HandingOver h when error is null && (snapshot is null || !Names(h.Released.LockId)):
                h.Releaser.Tell(new Status.Failure(new LockNotHeldException(_target.Normalized, h.Released.LockId, "it was taken over or removed before the release")));
                break;
            case HandingOver h:
                // Still the releaser's sidecar (or unreadable): fall back to a plain release; the waiter is served after it.
                // The hand-over may still land: remembered, so a later read recognises the successor's sidecar as ours.
                RememberUnconfirmed(h.NextGrant, replaced: h.Released.LockId);
                RunRelease(new Releasing(h.Released with { Version = snapshot?.Version ?? h.Released.Version }, [h.Releaser], h));
                break;

            case ReleasingForeign f when error is not null:
                f.ReplyTo.Tell(new Status.Failure(error));
                break;
            case ReleasingForeign f when snapshot is null || !Names(f.Release.LockId):
                _ownSidecars.Remove(f.Release.LockId);
                f.ReplyTo.Tell(new LockReleased(_target.Normalized, f.Release.LockId)); // the delete had applied
                break;
            case ReleasingForeign f:
                f.ReplyTo.Tell(new Status.Failure(new StoreUnavailableException(
                    $"The release of '{_target}' could not be confirmed: the sidecar still names lock '{f.Release.LockId}'.")));
                break;

            case CleaningUp c when !_ownSidecars.ContainsKey(c.Sidecar.LockId):
                break; // reclaimed or removed meanwhile
            case CleaningUp c when error is null && snapshot is not null && Names(c.Sidecar.LockId) && (snapshot.Version != c.Sidecar.Version || Stopwatch.GetTimestamp() < c.Sidecar.RetryUntil):
                // Ours: remove that version (also when unchanged, e.g. after a renewal that failed without landing).
                _ownSidecars[c.Sidecar.LockId] = c.Sidecar with { Version = snapshot.Version, NextAttempt = 0 };
                break;
            case CleaningUp c when (error is not null || c.Sidecar.Version is null) && Stopwatch.GetTimestamp() < c.Sidecar.RetryUntil:
                // Unreadable, or an unconfirmed write not there (yet): look again until it would be stale anyway.
                _ownSidecars[c.Sidecar.LockId] = c.Sidecar with { NextAttempt = Stopwatch.GetTimestamp() + ToTicks(_settings.PollInterval) };
                break;
            case CleaningUp c:
                _ownSidecars.Remove(c.Sidecar.LockId); // gone, someone else's, or out of time
                break;
        }
    }

    /// <summary>
    /// A write whose outcome stayed unknown may still land (a store that ignores cancellation): remember its grant for
    /// one TTL, so the next read recognises the sidecar as ours and a clean-up read removes it if nobody reclaims it.
    /// </summary>
    private void RememberUnconfirmed(Grant grant, string? replaced = null)
    {
        var now = Stopwatch.GetTimestamp();
        _ownSidecars[grant.LockId] = new OwnSidecar(grant.LockId, null, grant.Metadata, now + ToTicks(grant.Ttl), now + ToTicks(_settings.PollInterval), replaced);
    }

    private void ContinueAfterUnconfirmedWrite(Waiter waiter, SidecarSnapshot? snapshot, Exception? readError)
    {
        if (!_waiters.Contains(waiter))
        {
            return; // the requester left: nothing more to do for it (the unconfirmed write is remembered)
        }

        if (readError is not null)
        {
            FailOrRetry(waiter, readError);
        }
        else if (snapshot is null)
        {
            // The write did not land: a store error like any other. A caller that waits retries after the poll back-off;
            // one that does not wait is told at once. (Creating again right away looped on a failing store.)
            FailOrRetry(waiter, new StoreUnavailableException($"Creating the lock on '{_target.Normalized}' failed: the store did not confirm the write, and the sidecar is not there."));
        }
        else
        {
            Judge(waiter, snapshot);
        }
    }

    // ───────────────────────────── sidecars nobody holds ─────────────────────────────

    /// <summary>
    /// Gives up a grant nobody holds (late, unwanted, lost, or a failed release): its sidecar is removed by a clean-up
    /// step, or reclaimed by the next local waiter, until <paramref name="retryUntil"/> (default: one TTL from now).
    /// </summary>
    private void Abandon(Grant grant, long? retryUntil = null)
    {
        grant.Lease.EndReleased();
        _ownSidecars[grant.LockId] = new OwnSidecar(grant.LockId, grant.Version, grant.Metadata, retryUntil ?? Stopwatch.GetTimestamp() + ToTicks(grant.Ttl), 0);
    }

    /// <summary>Removes one abandoned sidecar whose version is known and whose next attempt is due.</summary>
    private void CleanUpIfSettled()
    {
        if (_step is not null || _ownSidecars.Count == 0)
        {
            return;
        }

        var now = Stopwatch.GetTimestamp();
        foreach (var unknown in _ownSidecars.Values.Where(s => s.Version is null && s.RetryUntil <= now).ToArray())
        {
            _ownSidecars.Remove(unknown.LockId); // never confirmed, never found within a TTL: stale on the store by now
        }

        var due = _ownSidecars.Values.FirstOrDefault(s => s.NextAttempt <= now);
        if (due is { Version: { } version })
        {
            Run(new CleaningUp(due), ct => RemoveSidecarAsync(due.Metadata, version, ct));
        }
        else if (due is not null)
        {
            Run(new Recovering(new CleaningUp(due)), ct => _store.ReadAsync(_target.Sidecar, ct)); // did the unconfirmed write land?
        }
        else if (_ownSidecars.Count > 0)
        {
            var next = _ownSidecars.Values.Min(s => s.NextAttempt);
            Timers.StartSingleTimer(CleanUpTimer, CleanUp.Instance, Stopwatch.GetElapsedTime(now, next));
        }
    }

    private void OnCleanedUp(CleaningUp step, bool? removed, Exception? error)
    {
        var sidecar = step.Sidecar;
        var now = Stopwatch.GetTimestamp();
        if (removed == false)
        {
            // Refused: changed since. A renewal of ours may have landed late: re-read, and retry with its version if so.
            Run(new Recovering(step), ct => _store.ReadAsync(_target.Sidecar, ct));
            return;
        }

        if (error is null || now >= sidecar.RetryUntil)
        {
            _ownSidecars.Remove(sidecar.LockId); // removed, or out of time (stale on the store by now)
            return;
        }

        _ownSidecars[sidecar.LockId] = sidecar with { NextAttempt = now + ToTicks(_settings.PollInterval) };
    }

    // ───────────────────────────── info ─────────────────────────────

    private void OnInfoRead(ReadingInfo step, SidecarSnapshot? snapshot, Exception? error)
    {
        if (error is not null)
        {
            step.ReplyTo.Tell(new Status.Failure(error));
            return;
        }

        var (holder, corruption) = snapshot is null ? (null, null) : Decode(snapshot);
        if (corruption is not null)
        {
            step.ReplyTo.Tell(new Status.Failure(corruption));
        }
        else if (snapshot is null || holder is null || holder.LockId == ReleasedTombstone.LockId)
        {
            step.ReplyTo.Tell(new LockInfo(_target.Normalized, null, null, false, false));
        }
        else
        {
            var stale = Staleness.IsStale(snapshot.Age, holder.Ttl, _store.Capabilities.ClockResolution, _settings.StaleGrace);
            step.ReplyTo.Tell(new LockInfo(_target.Normalized, holder, snapshot.Age, stale, false));
        }
    }

    private LockInfo LocalInfo(Grant held) =>
        new(_target.Normalized, held.Metadata, Stopwatch.GetElapsedTime(held.ConfirmedSentAt), IsStale: false, HeldLocally: true);
}
