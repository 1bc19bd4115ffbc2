using System.Diagnostics;

namespace LockActors.Messages;

/// <summary>
/// The live lease of one grant, shared by the lock actor (which extends it after every successful renewal and ends it
/// on loss or release) and the holder (which checks it). Checking is synchronous, free and computed from the
/// monotonic clock at the moment of the call, so a process resumed from a pause (GC, SIGSTOP, VM freeze) sees the
/// loss at its very next check, before any timer has run.
/// </summary>
/// <remarks>
/// The deadline counts from when the write that established the lease (create, takeover, hand-over or renewal) was
/// <em>sent</em>, minus the configured safety margin: until then no other process can judge the sidecar stale.
/// </remarks>
public sealed class LockLease
{
    private const long Ended = long.MinValue;
    private readonly CancellationTokenSource _lost = new();
    private long _validUntil;
    private string? _lostReason;
    private int _lostCause;

    internal LockLease(long validUntilTimestamp)
    {
        _validUntil = validUntilTimestamp;
        // Its own timer fires Lost at the deadline even when the lock actor's timer or mailbox is late (a loaded or
        // paused process); the actor's lease check then finds the lease ended and gives the sidecar up.
        _lost.Token.UnsafeRegister(static state => ((LockLease)state!).OnDeadline(), this);
        ArmDeadlineTimer(validUntilTimestamp);
    }

    /// <summary>
    /// True only while the lease is certainly held: not released, not lost, and the last confirmed write was sent
    /// recently enough that no other process can yet consider the lock stale. Never true again once false.
    /// </summary>
    public bool CheckLease()
    {
        var until = Volatile.Read(ref _validUntil);
        if (until == Ended)
        {
            return false;
        }

        if (Stopwatch.GetTimestamp() < until)
        {
            return true;
        }

        // Past the deadline: the lease is over whether or not the actor has noticed yet (its timer may not have run).
        MarkLost("the lease ran out before a renewal was confirmed (checked on the monotonic clock)", LockLossCause.LeaseExpired);
        return false;
    }

    /// <summary>How long the lease is certainly valid from now; zero once it is over.</summary>
    public TimeSpan Remaining
    {
        get
        {
            var until = Volatile.Read(ref _validUntil);
            var now = Stopwatch.GetTimestamp();
            return until == Ended || now >= until ? TimeSpan.Zero : Stopwatch.GetElapsedTime(now, until);
        }
    }

    /// <summary>Cancelled when the lease is lost before it is released (taken over, removed, renewals failing, owner gone).</summary>
    public CancellationToken Lost => _lost.Token;

    /// <summary>Why the lease was lost, once <see cref="Lost"/> has fired; null otherwise.</summary>
    public string? LostReason => Volatile.Read(ref _lostReason);

    /// <summary>Why the lease was lost, once <see cref="Lost"/> has fired; null otherwise.</summary>
    public LockLossCause? LostCause => LostReason is null ? null : (LockLossCause)Volatile.Read(ref _lostCause);

    /// <summary>True once released or lost.</summary>
    public bool IsEnded => Volatile.Read(ref _validUntil) == Ended;

    /// <summary>Moves the deadline forward (never back) after a renewal sent at a later time was confirmed.</summary>
    internal void Extend(long validUntilTimestamp)
    {
        while (true)
        {
            var current = Volatile.Read(ref _validUntil);
            if (current == Ended || validUntilTimestamp <= current)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref _validUntil, validUntilTimestamp, current) == current)
            {
                ArmDeadlineTimer(validUntilTimestamp);
                return;
            }
        }
    }

    /// <summary>Ends the lease after a clean release: <see cref="CheckLease"/> turns false, <see cref="Lost"/> does not fire.</summary>
    internal void EndReleased()
    {
        if (Interlocked.Exchange(ref _validUntil, Ended) != Ended)
        {
            DisarmDeadlineTimer();
        }
    }

    /// <summary>Ends the lease as lost and fires <see cref="Lost"/> (callbacks run on the thread pool, never on the caller's thread).</summary>
    internal void MarkLost(string reason, LockLossCause cause)
    {
        if (Interlocked.Exchange(ref _validUntil, Ended) == Ended)
        {
            return;
        }

        Volatile.Write(ref _lostCause, (int)cause); // written before the reason, which publishes it
        Interlocked.CompareExchange(ref _lostReason, reason, null);
        ThreadPool.UnsafeQueueUserWorkItem(static cts => cts.Cancel(), _lost, preferLocal: false);
    }

    private void ArmDeadlineTimer(long validUntilTimestamp)
    {
        var left = validUntilTimestamp - Stopwatch.GetTimestamp();
        try
        {
            _lost.CancelAfter(left > 0 ? Stopwatch.GetElapsedTime(0, left) + TimeSpan.FromMilliseconds(1) : TimeSpan.Zero);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void DisarmDeadlineTimer()
    {
        try
        {
            _lost.CancelAfter(Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Lost fired: by <see cref="MarkLost"/>, or by the deadline timer (then the lease ends here, with its reason).</summary>
    private void OnDeadline()
    {
        if (Interlocked.Exchange(ref _validUntil, Ended) != Ended)
        {
            Volatile.Write(ref _lostCause, (int)LockLossCause.LeaseExpired);
            Interlocked.CompareExchange(ref _lostReason, "the lease ran out before a renewal was confirmed (deadline counted from the send of the last confirmed write)", null);
        }
    }
}
