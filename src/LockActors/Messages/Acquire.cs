using Akka.Actor;

namespace LockActors.Messages;

/// <summary>
/// Asks for the lock on <see cref="Target"/>. Replies <see cref="LockGranted"/>, or <see cref="Status.Failure"/> with
/// <see cref="LockAlreadyHeldException"/> (held and no <see cref="WaitTimeout"/>), <see cref="LockAcquireTimeoutException"/>
/// (still held when the wait ran out), <see cref="LockQueueFullException"/>, <see cref="InvalidLockRequestException"/>,
/// <see cref="FencingTokenExhaustedException"/>, or a store error
/// (<c>LockActors.Storage.LockStoreException</c> subclasses). If the lock is later lost, <see cref="LockLost"/> goes to
/// <see cref="NotifyLost"/> (default: the sender).
/// </summary>
/// <param name="Target">The target file URI, e.g. <c>file:///data/in/a.csv</c> or <c>s3://bucket/in/a.csv</c>.</param>
/// <param name="Ttl">Lease length; null = <c>lock-actors.default-ttl</c>. Must be positive.</param>
/// <example>
/// <code>
/// var manager = LockActorsExtension.Get(system).Manager;
/// var granted = await manager.Ask&lt;LockGranted&gt;(
///     new Acquire("file:///srv/inbox/a.csv", Ttl: TimeSpan.FromMinutes(5)) { WaitTimeout = TimeSpan.FromSeconds(10) },
///     TimeSpan.FromSeconds(30));
/// try
/// {
///     if (granted.Lease.CheckLease())
///     {
///         await WriteAsync(granted.FencingToken, granted.Lease.Lost);
///     }
/// }
/// finally
/// {
///     await manager.Ask&lt;LockReleased&gt;(new Release(granted.Target, granted.LockId), TimeSpan.FromSeconds(30));
/// }
/// </code>
/// </example>
public sealed record Acquire(string Target, TimeSpan? Ttl = null) : ILockCommand
{
    /// <summary>How long to queue for the lock when it is held; null or zero = fail at once with <see cref="LockAlreadyHeldException"/>.</summary>
    public TimeSpan? WaitTimeout { get; init; }

    /// <summary>Owner identity written into the sidecar; null = <c>lock-actors.owner-id</c> (default: host/pid).</summary>
    public string? OwnerId { get; init; }

    /// <summary>Decides whether a stale (or corrupt) sidecar may be taken over; null = <see cref="StalePolicy.TakeOver"/>.</summary>
    public StalePolicy? OnStale { get; init; }

    /// <summary>Identifies this request for <see cref="CancelAcquire"/>.</summary>
    public Guid RequestId { get; init; } = Guid.NewGuid();

    /// <summary>Who is told <see cref="LockLost"/>; null = the sender of this message.</summary>
    public IActorRef? NotifyLost { get; init; }

    /// <summary>
    /// How often this lock renews its lease; null = <c>lock-actors.heartbeat-interval</c> (by default TTL / 3). Must be
    /// positive and at most half the trusted lease, TTL·(1 − <c>lease-safety-margin</c>) / 2, so that one renewal can fail
    /// and the next still lands in time; otherwise the request fails with <see cref="InvalidLockRequestException"/>.
    /// </summary>
    public TimeSpan? HeartbeatInterval { get; init; }
}
