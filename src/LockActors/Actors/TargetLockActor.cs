using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using LockActors.Configuration;
using LockActors.Messages;
using LockActors.Storage;

namespace LockActors.Actors;

/// <summary>
/// One actor per target file. Serialises every request for the file (FIFO waiters), owns the sidecar I/O,
/// the renewal and lease timers, and replies with typed results. The sidecar is the source of truth: a
/// restarted actor re-reads it and carries on; an idle actor asks its parent to passivate it.
/// </summary>
/// <remarks>
/// States: <see cref="Free"/> (nobody here holds the lock), <see cref="Held"/> (a caller of this actor system holds it,
/// renewals running), <see cref="Busy"/> (one store operation in flight; commands that need a settled state are
/// stashed) and <see cref="AwaitingRecovery"/> (first moments after a restart).
/// </remarks>
internal sealed class TargetLockActor : UntypedActor, IWithTimers, IWithStash
{
    private const string HeartbeatTimer = "heartbeat";
    private const string LeaseTimer = "lease";
    private const string PollTimer = "poll";

    // Environment.MachineName is a gethostname(2) call on every read: ~5% of the acquire CPU in the P1 profile.
    private static readonly string HostName = Environment.MachineName;

    private readonly LockTarget _target;
    private readonly ILockStore _store;
    private readonly LockActorsSettings _settings;
    private readonly string _instanceId;
    private readonly LinkedList<Waiter> _waiters = new();
    private ILoggingAdapter? _logger; // created on first use: a logger per idle actor costs ~0.5 KB (P5)
    private Grant? _holder;
    private long _lastToken;
    private int _createAttempts;
    private TimeSpan _pollDelay;
    private long _opSeq;
    private Action<StoreReply>? _onStoreReply;
    private readonly Receive _free;
    private readonly Receive _held;
    private readonly Receive _busy;
    private readonly Receive _awaitingRecovery;

    /// <summary>Creates the actor for one target.</summary>
    public TargetLockActor(LockTarget target, ILockStore store, LockActorsSettings settings, string instanceId)
    {
        _target = target;
        _store = store;
        _settings = settings;
        _instanceId = instanceId;
        _pollDelay = settings.PollInterval;
        _free = Free;
        _held = Held;
        _busy = Busy;
        _awaitingRecovery = AwaitingRecovery;
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <inheritdoc />
    public IStash Stash { get; set; } = null!;

    /// <summary>Props for the actor of <paramref name="target"/>.</summary>
    public static Props Props(LockTarget target, ILockStore store, LockActorsSettings settings, string instanceId) =>
        Akka.Actor.Props.CreateBy(new Producer(target, store, settings, instanceId)); // no expression tree or reflection per child

    private ILoggingAdapter Log => _logger ??= Context.GetLogger();

    private bool IsIdle => _holder is null && _waiters.Count == 0 && _onStoreReply is null;

    // ───────────────────────────── states ─────────────────────────────

    // Each state is a plain switch installed with Become(cached delegate). ReceiveActor's Become(Action) rebuilt and
    // re-compiled the whole handler table (MakeGenericType, delegate lists) on every store operation: that dominated
    // the CPU profile of the fan-out benchmark (P1).
    private bool Free(object message)
    {
        switch (message)
        {
            case Acquire acquire: Enqueue(acquire); return true;
            case Release release: ReleaseWithoutLocalHolder(release); return true;
            case GetLockInfo: ReadInfo(); return true;
            case CancelAcquire cancel: Withdraw(cancel.RequestId, new OperationCanceledException($"Acquire of '{_target}' was cancelled.")); return true;
            case WaiterExpired expired: Withdraw(expired.RequestId, null); return true;
            case PollStore: ServeNext(); return true;
            case ReceiveTimeout: RequestPassivationIfIdle(); return true;
            case StopIfIdle: StopOrDecline(); return true;
            case Recovered recovered: Recover(recovered); return true;
            case CrashForTest crash: throw new InvalidOperationException(crash.Reason);
            case Heartbeat or LeaseCheck: return true;
            default: return false;
        }
    }

    private bool Held(object message)
    {
        switch (message)
        {
            case Acquire acquire: Enqueue(acquire); return true;
            case Release release: ReleaseHeld(release); return true;
            case GetLockInfo: Sender.Tell(LocalInfo(_holder!)); return true;
            case CancelAcquire cancel: Withdraw(cancel.RequestId, new OperationCanceledException($"Acquire of '{_target}' was cancelled.")); return true;
            case WaiterExpired expired: Withdraw(expired.RequestId, null); return true;
            case Heartbeat: Renew(); return true;
            case LeaseCheck: CheckLease(); return true;
            case PollStore or ReceiveTimeout: return true;
            case StopIfIdle: StopOrDecline(); return true;
            case CrashForTest crash: throw new InvalidOperationException(crash.Reason);
            default: return false;
        }
    }

    private bool Busy(object message)
    {
        switch (message)
        {
            case StoreReply reply: OnStoreReply(reply); return true;
            case Acquire acquire: Enqueue(acquire); return true;
            case CancelAcquire cancel: Withdraw(cancel.RequestId, new OperationCanceledException($"Acquire of '{_target}' was cancelled.")); return true;
            case WaiterExpired expired: Withdraw(expired.RequestId, null); return true;
            case LeaseCheck: CheckLease(); return true; // a hung store call must not stop the holder learning it lost the lease
            case Heartbeat or PollStore or ReceiveTimeout: return true;
            case StopIfIdle: StopOrDecline(); return true;
            default: Stash.Stash(); return true;
        }
    }

    private bool AwaitingRecovery(object message)
    {
        if (message is Recovered recovered)
        {
            Become(_free);
            Recover(recovered);
            Stash.UnstashAll();
        }
        else
        {
            Stash.Stash();
        }

        return true;
    }

    /// <inheritdoc />
    protected override void OnReceive(object message)
    {
        if (!Free(message))
        {
            Unhandled(message);
        }
    }

    // ───────────────────────────── acquiring ─────────────────────────────

    private void Enqueue(Acquire request)
    {
        var waits = request.WaitTimeout is { } wait && wait > TimeSpan.Zero;
        if (_holder is not null && !waits)
        {
            Sender.Tell(new Status.Failure(new LockAlreadyHeldException(_target.Normalized, _holder.Metadata)));
            return;
        }

        if (_waiters.Count >= _settings.MaxWaitersPerTarget)
        {
            Sender.Tell(new Status.Failure(new LockQueueFullException(_target.Normalized, _settings.MaxWaitersPerTarget)));
            return;
        }

        var waiter = new Waiter(request, Sender, request.NotifyLost ?? Sender, request.Ttl ?? _settings.DefaultTtl, waits, Stopwatch.GetTimestamp());
        _waiters.AddLast(waiter);
        if (waits)
        {
            Timers.StartSingleTimer(waiter.TimerKey, new WaiterExpired(request.RequestId), request.WaitTimeout!.Value);
        }

        // While a poll for a remote holder is pending, queued waiters wait for it; a caller who will not wait
        // gets an answer now.
        if (_onStoreReply is null && _holder is null && (!waits || !Timers.IsTimerActive(PollTimer)))
        {
            ServeNext();
        }
    }

    /// <summary>Starts serving the first live waiter, if the lock is not held here and no store call is in flight.</summary>
    private void ServeNext()
    {
        if (_holder is not null || _onStoreReply is not null || _waiters.First is not { } head)
        {
            return;
        }

        Timers.Cancel(PollTimer);
        TryCreateFor(head.Value);
    }

    private void TryCreateFor(Waiter waiter)
    {
        var grant = NewGrant(waiter);
        RunStoreOp(
            ct => _store.TryCreateAsync(_target.Sidecar, grant.Encoded, ct),
            version =>
            {
                if (version is { } v)
                {
                    GrantTo(waiter, grant with { Version = v });
                }
                else
                {
                    InspectHolder(waiter);
                }
            },
            error => FailWaiter(waiter, error));
    }

    private void InspectHolder(Waiter waiter) =>
        RunStoreOp(
            ct => _store.ReadAsync(_target.Sidecar, ct),
            snapshot =>
            {
                if (snapshot is not null)
                {
                    Judge(waiter, snapshot);
                }
                else if (++_createAttempts < 5)
                {
                    TryCreateFor(waiter); // released between our create and read: race again
                }
                else
                {
                    WaitForRemoteHolder(null);
                }
            },
            error => FailWaiter(waiter, error));

    private void Judge(Waiter waiter, SidecarSnapshot snapshot)
    {
        LockMetadata? holder = null;
        CorruptSidecarException? corruption = null;
        try
        {
            holder = LockMetadataCodec.Decode(_target.Sidecar, snapshot.Content.Span);
            _lastToken = Math.Max(_lastToken, holder.FencingToken);
        }
        catch (CorruptSidecarException e)
        {
            corruption = e;
        }

        if (IsStale(holder, snapshot))
        {
            var stale = new StaleLock(_target.Normalized, holder, snapshot.Age, corruption?.Reason);
            if ((waiter.Request.OnStale ?? _settings.OnStale).ShouldTakeOver(stale))
            {
                Log.Info("Taking over stale lock on {0} (age {1}, holder {2})", _target, snapshot.Age, holder?.LockId ?? "corrupt sidecar");
                TakeOver(waiter, snapshot.Version);
                return;
            }
        }

        if (corruption is not null)
        {
            FailWaiter(waiter, corruption);
            return;
        }

        WaitForRemoteHolder(holder);
    }

    private void TakeOver(Waiter waiter, SidecarVersion staleVersion)
    {
        var grant = NewGrant(waiter);
        RunStoreOp(
            ct => _store.TryReplaceAsync(_target.Sidecar, grant.Encoded, staleVersion, ct),
            version =>
            {
                if (version is { } v)
                {
                    GrantTo(waiter, grant with { Version = v });
                }
                else
                {
                    InspectHolder(waiter); // someone else renewed or took it first: judge again
                }
            },
            error => FailWaiter(waiter, error));
    }

    /// <summary>Another process holds the lock: fail callers who would not wait, re-read later for the rest.</summary>
    private void WaitForRemoteHolder(LockMetadata? holder)
    {
        FailNonWaiting(holder);
        if (_waiters.Count > 0)
        {
            Timers.StartSingleTimer(PollTimer, PollStore.Instance, _pollDelay);
            _pollDelay = TimeSpan.FromTicks(Math.Min(_pollDelay.Ticks * 2, _settings.MaxPollInterval.Ticks));
        }
    }

    private void GrantTo(Waiter waiter, Grant grant)
    {
        // The final token is drawn only now that the write succeeded: nobody else can be granted while we hold
        // the lock, so it exceeds every earlier grant's token even if our create sat in a queue for a while.
        // The sidecar carries it from the first renewal on (the create wrote a lower bound).
        var token = FencingTokens.Next(Math.Max(_lastToken, grant.Metadata.FencingToken));
        grant = grant with { Metadata = grant.Metadata with { FencingToken = token } };
        _createAttempts = 0;
        _pollDelay = _settings.PollInterval;
        _lastToken = Math.Max(_lastToken, grant.Metadata.FencingToken);
        _holder = grant;
        StartLeaseTimers(grant);
        if (!Remove(waiter))
        {
            // The caller timed out or cancelled while the create was in flight: give the lock straight back.
            Log.Debug("Grant {0} on {1} arrived after its caller left; releasing it", grant.LockId, _target);
            ReleaseHeld(new Release(_target.Normalized, grant.LockId), ActorRefs.Nobody);
            return;
        }

        waiter.ReplyTo.Tell(new LockGranted(_target.Normalized, grant.LockId, grant.Metadata.FencingToken, grant.Metadata, grant.Lease));
        FailNonWaiting(grant.Metadata);
    }

    private void FailWaiter(Waiter waiter, Exception error)
    {
        if (Remove(waiter))
        {
            waiter.ReplyTo.Tell(new Status.Failure(error));
        }

        ServeNext();
    }

    private void FailNonWaiting(LockMetadata? holder)
    {
        foreach (var waiter in _waiters.Where(w => !w.Waits).ToArray())
        {
            Remove(waiter);
            waiter.ReplyTo.Tell(new Status.Failure(new LockAlreadyHeldException(_target.Normalized, holder)));
        }
    }

    private void Withdraw(Guid requestId, Exception? reason)
    {
        var waiter = _waiters.FirstOrDefault(w => w.Request.RequestId == requestId);
        if (waiter is null || !Remove(waiter))
        {
            return;
        }

        var waited = Stopwatch.GetElapsedTime(waiter.QueuedAt);
        waiter.ReplyTo.Tell(new Status.Failure(reason ?? new LockAcquireTimeoutException(_target.Normalized, waited)));
    }

    private bool Remove(Waiter waiter)
    {
        Timers.Cancel(waiter.TimerKey);
        return _waiters.Remove(waiter);
    }

    // ───────────────────────────── holding ─────────────────────────────

    private void Renew()
    {
        var held = _holder!;
        var renewed = held with { Metadata = held.Metadata.WithHeartbeat(DateTimeOffset.UtcNow), SentAt = Stopwatch.GetTimestamp() };
        renewed = renewed with { Encoded = LockMetadataCodec.Encode(renewed.Metadata) };
        RunStoreOp(
            ct => _store.TryReplaceAsync(_target.Sidecar, renewed.Encoded, held.Version, ct),
            version =>
            {
                if (_holder?.LockId != held.LockId)
                {
                    return; // declared lost while the renewal was in flight
                }

                if (version is { } v)
                {
                    _holder = renewed with { Version = v };
                    held.Lease.Extend(renewed.SentAt + (long)(_settings.TrustedLeaseFor(held.Ttl).TotalSeconds * Stopwatch.Frequency));
                    Timers.StartSingleTimer(LeaseTimer, LeaseCheck.Instance, _settings.TrustedLeaseFor(held.Ttl));
                }
                else
                {
                    Lose("another process took over or removed the sidecar");
                }
            },
            error =>
            {
                Log.Warning("Renewal of {0} failed ({1}); retrying", _target, error.Message);
                Timers.StartSingleTimer(HeartbeatTimer + "-retry", Heartbeat.Instance, TimeSpan.FromTicks(Math.Min(_settings.HeartbeatFor(held.Ttl).Ticks / 2, TimeSpan.TicksPerSecond)));
                CheckLease();
            });
    }

    private void CheckLease()
    {
        if (_holder is not { } held)
        {
            return;
        }

        var trusted = _settings.TrustedLeaseFor(held.Ttl);
        var since = Stopwatch.GetElapsedTime(held.SentAt);
        if (since >= trusted)
        {
            Lose($"no renewal succeeded for {since.TotalMilliseconds:F0} ms of a {held.Ttl.TotalMilliseconds:F0} ms lease");
        }
        else
        {
            Timers.StartSingleTimer(LeaseTimer, LeaseCheck.Instance, trusted - since);
        }
    }

    private void Lose(string reason)
    {
        var held = _holder!;
        Log.Warning("Lock {0} on {1} lost: {2}", held.LockId, _target, reason);
        StopLeaseTimers();
        _holder = null;
        held.Lease.MarkLost(reason);
        held.NotifyLost.Tell(new LockLost(_target.Normalized, held.LockId, reason));
        if (_onStoreReply is null)
        {
            Become(_free);
            ServeNext();
        }
    }

    private void ReleaseHeld(Release release) => ReleaseHeld(release, Sender);

    private void ReleaseHeld(Release release, IActorRef replyTo)
    {
        var held = _holder!;
        if (release.LockId != held.LockId)
        {
            replyTo.Tell(new Status.Failure(new LockNotHeldException(_target.Normalized, release.LockId, "another grant holds it")));
            return;
        }

        var next = _waiters.FirstOrDefault(w => w.Waits);
        if (next is not null)
        {
            HandOver(held, next, replyTo);
            return;
        }

        RunStoreOp(
            ct => _store.TryDeleteAsync(_target.Sidecar, held.Version, ct),
            deleted =>
            {
                DropHolder(held);
                replyTo.Tell(deleted
                    ? new LockReleased(_target.Normalized, held.LockId)
                    : new Status.Failure(new LockNotHeldException(_target.Normalized, held.LockId, "it was taken over or removed before the release")));
                ServeNext();
            },
            error => replyTo.Tell(new Status.Failure(error))); // still held: renewals go on, the caller may retry
    }

    /// <summary>Hands the lock to the next local waiter with one compare-and-swap: the sidecar is never free in between.</summary>
    private void HandOver(Grant held, Waiter next, IActorRef releaser)
    {
        var grant = NewGrant(next);
        RunStoreOp(
            ct => _store.TryReplaceAsync(_target.Sidecar, grant.Encoded, held.Version, ct),
            version =>
            {
                if (_holder?.LockId == held.LockId)
                {
                    DropHolder(held);
                }

                if (version is { } v)
                {
                    releaser.Tell(new LockReleased(_target.Normalized, held.LockId));
                    GrantTo(next, grant with { Version = v });
                }
                else
                {
                    releaser.Tell(new Status.Failure(new LockNotHeldException(_target.Normalized, held.LockId, "it was taken over or removed before the release")));
                    ServeNext();
                }
            },
            error => releaser.Tell(new Status.Failure(error)));
    }

    private void DropHolder(Grant held)
    {
        if (_holder?.LockId == held.LockId)
        {
            StopLeaseTimers();
            held.Lease.EndReleased();
            _holder = null;
        }
    }

    private void StartLeaseTimers(Grant grant)
    {
        Timers.StartPeriodicTimer(HeartbeatTimer, Heartbeat.Instance, _settings.HeartbeatFor(grant.Ttl));
        Timers.StartSingleTimer(LeaseTimer, LeaseCheck.Instance, _settings.TrustedLeaseFor(grant.Ttl));
    }

    private void StopLeaseTimers()
    {
        Timers.Cancel(HeartbeatTimer);
        Timers.Cancel(HeartbeatTimer + "-retry");
        Timers.Cancel(LeaseTimer);
    }

    private LockInfo LocalInfo(Grant held) =>
        new(_target.Normalized, held.Metadata, Stopwatch.GetElapsedTime(held.SentAt), IsStale: false, HeldLocally: true);

    // ──────────────────── requests without a local holder ────────────────────

    /// <summary>A release this actor did not grant (restarted actor, or another system's lock id): honour it by the sidecar.</summary>
    private void ReleaseWithoutLocalHolder(Release release)
    {
        var replyTo = Sender;
        RunStoreOp(
            ct => _store.ReadAsync(_target.Sidecar, ct),
            snapshot =>
            {
                var holder = snapshot is null ? null : TryDecode(snapshot);
                if (snapshot is null || holder?.LockId != release.LockId)
                {
                    replyTo.Tell(new Status.Failure(new LockNotHeldException(_target.Normalized, release.LockId,
                        snapshot is null ? "the target is not locked" : "another grant holds it")));
                    return;
                }

                RunStoreOp(
                    ct => _store.TryDeleteAsync(_target.Sidecar, snapshot.Version, ct),
                    deleted =>
                    {
                        replyTo.Tell(deleted
                            ? new LockReleased(_target.Normalized, release.LockId)
                            : new Status.Failure(new LockNotHeldException(_target.Normalized, release.LockId, "it changed during the release")));
                        ServeNext();
                    },
                    error => replyTo.Tell(new Status.Failure(error)));
            },
            error => replyTo.Tell(new Status.Failure(error)));
    }

    private void ReadInfo()
    {
        var replyTo = Sender;
        RunStoreOp(
            ct => _store.ReadAsync(_target.Sidecar, ct),
            snapshot =>
            {
                if (snapshot is null)
                {
                    replyTo.Tell(new LockInfo(_target.Normalized, null, null, false, false));
                    return;
                }

                try
                {
                    var holder = LockMetadataCodec.Decode(_target.Sidecar, snapshot.Content.Span);
                    replyTo.Tell(new LockInfo(_target.Normalized, holder, snapshot.Age, IsStale(holder, snapshot), false));
                }
                catch (CorruptSidecarException e)
                {
                    replyTo.Tell(new Status.Failure(e));
                }
            },
            error => replyTo.Tell(new Status.Failure(error)));
    }

    // ───────────────────────────── restart & passivation ─────────────────────────────

    /// <inheritdoc />
    protected override void PreRestart(Exception reason, object message)
    {
        // Hand what only memory knows (who to notify, who is queued) to the next incarnation; the sidecar says the rest.
        Self.Tell(new Recovered(_holder, _waiters.ToArray()));
        // No base call: it would run PostStop, which tells the holder its lock is gone. The actor has no children.
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        // Stopped for good (system shutdown, or the supervisor gave up): nobody renews any more, so say so now.
        if (_holder is { } held)
        {
            held.NotifyLost.Tell(new LockLost(_target.Normalized, held.LockId, "the lock actor stopped; the lock is no longer renewed"));
        }

        foreach (var waiter in _waiters)
        {
            waiter.ReplyTo.Tell(new Status.Failure(new StoreUnavailableException($"The lock actor for '{_target}' stopped before the request was served.")));
        }
    }

    /// <inheritdoc />
    protected override void PostRestart(Exception reason)
    {
        base.PostRestart(reason);
        Become(_awaitingRecovery);
    }

    /// <inheritdoc />
    protected override void PreStart() => Context.SetReceiveTimeout(_settings.PassivateAfter);

    private void Recover(Recovered recovered)
    {
        foreach (var waiter in recovered.Waiters)
        {
            _waiters.AddLast(waiter);
            if (waiter.Waits)
            {
                var left = waiter.Request.WaitTimeout!.Value - Stopwatch.GetElapsedTime(waiter.QueuedAt);
                Timers.StartSingleTimer(waiter.TimerKey, new WaiterExpired(waiter.Request.RequestId), left > TimeSpan.Zero ? left : TimeSpan.Zero);
            }
        }

        if (recovered.Holder is not { } held)
        {
            ServeNext();
            return;
        }

        RunStoreOp(
            ct => _store.ReadAsync(_target.Sidecar, ct),
            snapshot =>
            {
                if (snapshot is not null && TryDecode(snapshot)?.LockId == held.LockId)
                {
                    Log.Info("Restarted actor for {0} re-adopted lock {1} from the sidecar", _target, held.LockId);
                    _holder = held with { Version = snapshot.Version };
                    _lastToken = Math.Max(_lastToken, held.Metadata.FencingToken);
                    StartLeaseTimers(_holder);
                    CheckLease();
                }
                else
                {
                    _holder = held;
                    Lose("the sidecar no longer names this grant after the actor restarted");
                }
            },
            _ =>
            {
                // Cannot confirm: keep the grant and let renewals and the lease clock decide.
                _holder = held;
                StartLeaseTimers(held);
                CheckLease();
            });
    }

    private void RequestPassivationIfIdle()
    {
        if (IsIdle)
        {
            Context.Parent.Tell(new Passivate(Self));
        }
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

    // ───────────────────────────── store plumbing ─────────────────────────────

    /// <summary>Runs one store operation off the actor thread, entering <see cref="Busy"/> until its reply arrives.</summary>
    private void RunStoreOp<T>(Func<CancellationToken, Task<T>> operation, Action<T> onSuccess, Action<Exception> onFailure)
    {
        var opId = ++_opSeq;
        var timeout = new CancellationTokenSource(_settings.StoreOperationTimeout);
        Task<T> task;
        try
        {
            task = operation(timeout.Token);
        }
        catch (Exception e)
        {
            task = Task.FromException<T>(e);
        }

        task.ContinueWith(
            t =>
            {
                timeout.Dispose();
                return t.IsCompletedSuccessfully
                    ? new StoreReply(opId, t.Result, null)
                    : new StoreReply(opId, null, t.Exception?.InnerException is { } inner ? Translate(inner) : StoreTimeout());
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default).PipeTo(Self);

        _onStoreReply = reply =>
        {
            if (reply.Error is null)
            {
                onSuccess((T)reply.Result!);
            }
            else
            {
                onFailure(reply.Error);
            }
        };
        Become(_busy);
    }

    private void OnStoreReply(StoreReply reply)
    {
        if (reply.OpId != _opSeq || _onStoreReply is not { } continuation)
        {
            return;
        }

        _onStoreReply = null;
        Become(_holder is null ? _free : _held);
        continuation(reply);
        if (_onStoreReply is null)
        {
            Become(_holder is null ? _free : _held);
            if (_holder is null && !Timers.IsTimerActive(PollTimer))
            {
                ServeNext(); // the lock may be free now (released, lost, or an info read finished)
            }
        }

        Stash.UnstashAll();
    }

    private Exception Translate(Exception error) => error switch
    {
        OperationCanceledException => StoreTimeout(),
        LockStoreException => error,
        _ => new StoreUnavailableException($"The store failed an operation on '{_target.Sidecar}': {error.Message}", error),
    };

    private StoreUnavailableException StoreTimeout() =>
        new($"The store did not answer within {_settings.StoreOperationTimeout} for '{_target.Sidecar}'.");

    private bool IsStale(LockMetadata? holder, SidecarSnapshot snapshot)
    {
        var ttl = holder?.Ttl ?? _settings.DefaultTtl;
        if (ttl == TimeSpan.Zero)
        {
            return false; // c2fo/vfs convention: ttl 0 = never stale
        }

        return snapshot.Age > ttl + _store.Capabilities.ClockResolution + _settings.StaleGrace;
    }

    private LockMetadata? TryDecode(SidecarSnapshot snapshot)
    {
        try
        {
            return LockMetadataCodec.Decode(_target.Sidecar, snapshot.Content.Span);
        }
        catch (CorruptSidecarException)
        {
            return null;
        }
    }

    private Grant NewGrant(Waiter waiter)
    {
        var now = DateTimeOffset.UtcNow;
        var token = FencingTokens.Next(_lastToken);
        var metadata = new LockMetadata(
            $"{_instanceId}-{Guid.NewGuid():N}",
            waiter.Request.OwnerId ?? _settings.OwnerId,
            HostName,
            Environment.ProcessId,
            now,
            now,
            waiter.Ttl,
            token);
        var sentAt = Stopwatch.GetTimestamp();
        var lease = new LockLease(sentAt + (long)(_settings.TrustedLeaseFor(waiter.Ttl).TotalSeconds * Stopwatch.Frequency));
        return new Grant(metadata, LockMetadataCodec.Encode(metadata), default, waiter.Ttl, waiter.NotifyLost, sentAt, lease);
    }

    // ───────────────────────────── internal messages ─────────────────────────────

    /// <summary>Creates the actor directly, also on supervisor restarts (Props.Create(expression) built an expression tree and used reflection per child).</summary>
    private sealed class Producer(LockTarget target, ILockStore store, LockActorsSettings settings, string instanceId) : IIndirectActorProducer
    {
        public Type ActorType => typeof(TargetLockActor);

        public ActorBase Produce() => new TargetLockActor(target, store, settings, instanceId);

        public void Release(ActorBase actor)
        {
        }
    }

    private sealed record Grant(LockMetadata Metadata, byte[] Encoded, SidecarVersion Version, TimeSpan Ttl, IActorRef NotifyLost, long SentAt, LockLease Lease)
    {
        public string LockId => Metadata.LockId;
    }

    private sealed record Waiter(Acquire Request, IActorRef ReplyTo, IActorRef NotifyLost, TimeSpan Ttl, bool Waits, long QueuedAt)
    {
        public string TimerKey => "wait-" + Request.RequestId.ToString("N");
    }

    private sealed record StoreReply(long OpId, object? Result, Exception? Error);

    private sealed record WaiterExpired(Guid RequestId);

    private sealed record Recovered(Grant? Holder, Waiter[] Waiters);

    private sealed class Heartbeat
    {
        public static readonly Heartbeat Instance = new();
    }

    private sealed class LeaseCheck
    {
        public static readonly LeaseCheck Instance = new();
    }

    private sealed class PollStore
    {
        public static readonly PollStore Instance = new();
    }
}

/// <summary>Sent by an idle target actor to its parent, asking to be stopped.</summary>
internal sealed record Passivate(IActorRef Child);

/// <summary>Sent by the parent after <see cref="Passivate"/>: stop if still idle.</summary>
internal sealed class StopIfIdle
{
    public static readonly StopIfIdle Instance = new();
}

/// <summary>The child got work between asking to passivate and being told to stop.</summary>
internal sealed record PassivationDeclined(IActorRef Child);

/// <summary>Test hook: makes a target actor throw so its supervisor restarts it.</summary>
internal sealed record CrashForTest(string Target, string Reason) : ILockCommand;
