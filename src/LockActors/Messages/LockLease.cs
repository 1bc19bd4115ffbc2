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
/// Every read of the lease's state applies the deadline first, so a lease past its deadline reads as lost (and is never
/// extended again) whether or not anything has noticed yet.
/// </remarks>
public sealed class LockLease
{
    private const long Ended = long.MinValue;
    private const string DeadlineReason = "the lease ran out before a renewal was confirmed (deadline counted from the send of the last confirmed write)";

    // Made by the first read of Lost, with the timer that fires it at the deadline: most grants are released without
    // anyone reading it (an Ask caller that never asks, a handle whose HandleLost nobody reads), and the source, its
    // registration and its timer were 336 B and ~0.6 µs of every grant (P4, GrantBenchmarks.LeaseMadeAndReleased).
    private CancellationTokenSource? _lost;
    private long _validUntil;
    private string? _lostReason;
    private int _lostCause;

    internal LockLease(long validUntilTimestamp) => _validUntil = validUntilTimestamp;

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
    /// <remarks>
    /// The first read makes the token's source and arms its own timer for the deadline, so that it fires even when the
    /// lock actor's timer or mailbox is late (a loaded or paused process); the actor's lease check then finds the lease
    /// ended and gives the sidecar up.
    /// </remarks>
    public CancellationToken Lost => (Volatile.Read(ref _lost) ?? MakeLost()).Token;

    /// <summary>Why the lease was lost, once <see cref="Lost"/> has fired; null otherwise.</summary>
    public string? LostReason
    {
        get
        {
            EndIfPastDeadline();
            return Volatile.Read(ref _lostReason);
        }
    }

    /// <summary>Why the lease was lost, once <see cref="Lost"/> has fired; null otherwise.</summary>
    public LockLossCause? LostCause => LostReason is null ? null : (LockLossCause)Volatile.Read(ref _lostCause);

    /// <summary>True once released or lost (a lease past its deadline is lost).</summary>
    public bool IsEnded
    {
        get
        {
            EndIfPastDeadline();
            return Volatile.Read(ref _validUntil) == Ended;
        }
    }

    /// <summary>
    /// Moves the deadline forward (never back) after a renewal sent at a later time was confirmed. A lease already past
    /// its deadline stays lost: it may have read as over (<see cref="CheckLease"/>), and must never read as held again.
    /// </summary>
    internal void Extend(long validUntilTimestamp)
    {
        while (true)
        {
            var current = Volatile.Read(ref _validUntil);
            if (current == Ended || validUntilTimestamp <= current)
            {
                return;
            }

            if (Stopwatch.GetTimestamp() >= current)
            {
                MarkLost(DeadlineReason, LockLossCause.LeaseExpired);
                return;
            }

            if (Interlocked.CompareExchange(ref _validUntil, validUntilTimestamp, current) == current)
            {
                ArmDeadlineTimer();
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
        if (EndAsLost(reason, cause) && Volatile.Read(ref _lost) is { } lost)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static cts => cts.Cancel(), lost, preferLocal: false);
        }
    }

    /// <summary>Ends the lease as lost with <paramref name="reason"/>, unless it had ended already; true if this call ended it.</summary>
    private bool EndAsLost(string reason, LockLossCause cause)
    {
        if (Interlocked.Exchange(ref _validUntil, Ended) == Ended)
        {
            return false;
        }

        Volatile.Write(ref _lostCause, (int)cause); // written before the reason, which publishes it
        Interlocked.CompareExchange(ref _lostReason, reason, null);
        return true;
    }

    /// <summary>A lease past its deadline that nothing has ended yet is lost now, as its deadline timer would have had it.</summary>
    private void EndIfPastDeadline()
    {
        var until = Volatile.Read(ref _validUntil);
        if (until != Ended && Stopwatch.GetTimestamp() >= until)
        {
            MarkLost(DeadlineReason, LockLossCause.LeaseExpired);
        }
    }

    /// <summary>
    /// The first read of <see cref="Lost"/>: publishes the source, then brings it up to the lease's state — cancelled if
    /// already lost, its timer armed if still held. Whatever the actor did meanwhile on its own thread (lost, extended,
    /// released) either saw the published source or is seen here: each side writes before it reads the other's field,
    /// with a full fence between.
    /// </summary>
    private CancellationTokenSource MakeLost()
    {
        var made = new CancellationTokenSource();
        made.Token.UnsafeRegister(static state => ((LockLease)state!).OnDeadline(), this);
        var lost = Interlocked.CompareExchange(ref _lost, made, null) ?? made;
        if (lost != made)
        {
            return lost; // another thread published one first
        }

        EndIfPastDeadline();
        if (Volatile.Read(ref _lostReason) is not null)
        {
            made.Cancel(); // lost before anyone read Lost (the only callback is OnDeadline, a no-op on an ended lease)
        }
        else
        {
            ArmDeadlineTimer();
        }

        return made;
    }

    /// <summary>
    /// Arms the deadline timer of the source, if made, for the deadline as it is now. Under the source's lock: the actor
    /// (after a renewal) and the first reader of <see cref="Lost"/> may arm it at once; the later one reads the later deadline.
    /// </summary>
    private void ArmDeadlineTimer()
    {
        if (Volatile.Read(ref _lost) is not { } lost)
        {
            return;
        }

        lock (lost)
        {
            var until = Volatile.Read(ref _validUntil);
            if (until == Ended)
            {
                return;
            }

            var left = until - Stopwatch.GetTimestamp();
            try
            {
                lost.CancelAfter(left > 0 ? Stopwatch.GetElapsedTime(0, left) + TimeSpan.FromMilliseconds(1) : TimeSpan.Zero);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private void DisarmDeadlineTimer()
    {
        if (Volatile.Read(ref _lost) is not { } lost)
        {
            return;
        }

        lock (lost)
        {
            try
            {
                lost.CancelAfter(Timeout.InfiniteTimeSpan);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    /// <summary>Lost fired: by <see cref="MarkLost"/>, or by the deadline timer (then the lease ends here, with its reason).</summary>
    private void OnDeadline() => EndAsLost(DeadlineReason, LockLossCause.LeaseExpired);
}
