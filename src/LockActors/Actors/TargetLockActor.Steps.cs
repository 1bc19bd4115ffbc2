using System.Diagnostics;
using Akka.Actor;
using LockActors.Messages;
using LockActors.Storage;

namespace LockActors.Actors;

/// <summary>The data of <see cref="TargetLockActor"/>: its steps, grants, waiters and internal messages.</summary>
internal sealed partial class TargetLockActor
{
    // ───────────── steps: the one store operation in flight, with the data its reply needs ─────────────

    /// <summary>A store operation in flight. Exactly one runs at a time; its reply is handled by the step that started it.</summary>
    private abstract record Step(string Name);

    /// <summary>Readying the store (connection, endpoint probe) before the first lease's clock starts (<see cref="ILockStoreWarmUp"/>).</summary>
    private sealed record Preparing(Waiter Waiter) : Step("preparing the store");

    /// <summary>An atomic create of the sidecar for <paramref name="Waiter"/>.</summary>
    private sealed record Creating(Waiter Waiter, Grant Grant) : Step("creating");

    /// <summary>Reading the sidecar after a create was refused, to judge its holder.</summary>
    private sealed record Inspecting(Waiter Waiter, int Attempt) : Step("inspecting");

    /// <summary>A compare-and-swap over a stale sidecar, a released tombstone, or one of this actor's own abandoned sidecars.</summary>
    /// <remarks><paramref name="Stale"/>: the sidecar was judged stale (a takeover that is counted and traced), not a tombstone or our own.</remarks>
    private sealed record TakingOver(Waiter Waiter, Grant Grant, SidecarVersion Expected, bool Stale) : Step("taking over");

    /// <summary>A renewal (compare-and-swap on the holder's own version) of the local holder's sidecar.</summary>
    private sealed record Renewing(Grant Held, Grant Renewed) : Step("renewing");

    /// <summary>A conditional removal (or, in strict fencing mode, a tombstone) of a released grant's sidecar.</summary>
    /// <remarks><paramref name="After"/> is set when this release is the fallback of a hand-over whose outcome was unknown.</remarks>
    private sealed record Releasing(Grant Released, IReadOnlyList<IActorRef> Releasers, HandingOver? After = null) : Step("releasing");

    /// <summary>One compare-and-swap from the releasing holder's sidecar straight to the next local waiter's.</summary>
    private sealed record HandingOver(Grant Released, IActorRef Releaser, Waiter Next, Grant NextGrant) : Step("handing over");

    /// <summary>Re-reading the sidecar after a write whose outcome is unknown (timeout, 5xx, dropped reply).</summary>
    private sealed record Recovering(Step UnknownWrite) : Step("recovering");

    /// <summary>Removing a sidecar this actor wrote that no caller holds (see <see cref="OwnSidecar"/>).</summary>
    private sealed record CleaningUp(OwnSidecar Sidecar) : Step("cleaning up");

    /// <summary>Reading the sidecar for <see cref="GetLockInfo"/>.</summary>
    private sealed record ReadingInfo(IActorRef ReplyTo) : Step("reading info");

    /// <summary>Honouring a release of a grant this actor does not hold (restarted actor, or another actor system's id).</summary>
    private sealed record ReleasingForeign(Release Release, IActorRef ReplyTo, SidecarVersion? Version) : Step("releasing a foreign grant");

    /// <summary>A restarted incarnation waiting for what its predecessor handed over (<see cref="Recovered"/>).</summary>
    private sealed record AwaitingRecovery() : Step("awaiting recovery");

    // ───────────── grants and waiters ─────────────

    /// <summary>
    /// A grant of this actor. <paramref name="ConfirmedSentAt"/> is when the last write that the store confirmed was
    /// <em>sent</em> (monotonic timestamp): the lease counts from there (protocol rule 8). <paramref name="Heartbeat"/>
    /// is its renewal interval.
    /// </summary>
    internal sealed record Grant(LockMetadata Metadata, byte[] Encoded, SidecarVersion Version, IActorRef Owner, LockLease Lease, long ConfirmedSentAt, TimeSpan Heartbeat)
    {
        public string LockId => Metadata.LockId;

        public TimeSpan Ttl => Metadata.Ttl;

        public long Token => Metadata.FencingToken;

        /// <summary>When the grant was handed out (monotonic timestamp; 0 until then): its hold time counts from here.</summary>
        public long HeldSince { get; init; }

        /// <summary>A new grant whose write is sent at <paramref name="sentAt"/>; its lease is certain until <paramref name="leaseUntil"/>.</summary>
        public static Grant New(LockMetadata metadata, IActorRef owner, long leaseUntil, long sentAt, TimeSpan heartbeat) =>
            new(metadata, LockMetadataCodec.Encode(metadata), default, owner, new LockLease(leaseUntil), sentAt, heartbeat);
    }

    /// <summary>A queued request. <paramref name="Requester"/> gets the reply; <paramref name="Owner"/> is told <see cref="LockLost"/>.</summary>
    internal sealed record Waiter(Acquire Request, IActorRef Requester, IActorRef Owner, TimeSpan Ttl, bool Waits, long QueuedAt)
    {
        /// <summary>When its wait runs out (monotonic timestamp); <see cref="long.MaxValue"/> if it waits forever or not at all.</summary>
        public long Deadline { get; } = DeadlineOf(Request.WaitTimeout, Waits, QueuedAt);

        /// <summary>The last transient store error met while waiting, reported if the wait runs out.</summary>
        public Exception? LastError { get; set; }

        private static long DeadlineOf(TimeSpan? wait, bool waits, long queuedAt)
        {
            if (!waits || wait is not { } w || LockLimits.IsInfinite(w))
            {
                return long.MaxValue;
            }

            // In a double: a wait too long for the clock (far past LockLimits.MaxWait) is a wait forever, never a wrapped one.
            var ticks = w.TotalSeconds * Stopwatch.Frequency;
            return ticks >= long.MaxValue - queuedAt ? long.MaxValue : queuedAt + (long)ticks;
        }
    }

    /// <summary>
    /// A sidecar this actor wrote that no caller holds: a grant whose reply came after its lease, whose requester gave up,
    /// that was lost, or whose release failed. Removed by a clean-up step until <paramref name="RetryUntil"/>, or
    /// reclaimed (compare-and-swap) by the next local waiter. After that it is stale on the store's clock anyway.
    /// </summary>
    /// <remarks><paramref name="Replaced"/>: the grant a hand-over to this sidecar released (its release is then answered as done).</remarks>
    private sealed record OwnSidecar(string LockId, SidecarVersion? Version, LockMetadata Metadata, long RetryUntil, long NextAttempt, string? Replaced = null);

    // ───────────── internal messages ─────────────

    private sealed record StoreReply(long OpId, object? Result, Exception? Error);

    private sealed record StoreOpTimedOut(long OpId);

    private sealed record Recovered(Grant? Holder, Waiter[] Waiters, OwnSidecar[] OwnSidecars, (object Message, IActorRef Sender)[] Deferred, bool ShuttingDown);


    private sealed class Heartbeat
    {
        public static readonly Heartbeat Instance = new();
    }

    /// <summary>The queue's wait timer: the earliest wait deadline of its waiters has come (<see cref="ExpireWaiters"/>).</summary>
    private sealed class WaitDeadline
    {
        public static readonly WaitDeadline Instance = new();
    }

    private sealed class LeaseCheck
    {
        public static readonly LeaseCheck Instance = new();
    }

    private sealed class PollStore
    {
        public static readonly PollStore Instance = new();
    }

    private sealed class CleanUp
    {
        public static readonly CleanUp Instance = new();
    }
}

/// <summary>Sent by the manager to a target actor that had no request for passivate-after: stop if idle, or decline.</summary>
internal sealed class StopIfIdle
{
    public static readonly StopIfIdle Instance = new();
}

/// <summary>The child got work between asking to passivate and being told to stop.</summary>
internal sealed record PassivationDeclined(IActorRef Child);

/// <summary>Test hook: makes a target actor throw so its supervisor restarts it.</summary>
internal sealed record CrashForTest(string Target, string Reason) : ILockCommand;

/// <summary>A grant nobody can hold any more (undelivered, or its owner actor died): released by its target actor.</summary>
internal sealed record AbandonedGrant(string Target, string LockId, string Reason) : ILockCommand;
