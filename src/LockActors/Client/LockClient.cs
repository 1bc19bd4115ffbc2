using System.Collections.Concurrent;
using Akka.Actor;
using LockActors.Actors;
using LockActors.Configuration;
using LockActors.Messages;
using LockActors.Storage;
using LockActors.Telemetry;

namespace LockActors.Client;

/// <summary>
/// Takes and releases locks with plain async calls (<see cref="ILockClient"/>), through the actor system's lock manager: <see cref="AcquireAsync"/>,
/// <see cref="TryAcquireAsync(string, TimeSpan, CancellationToken)"/>,
/// <see cref="WithLockAsync{T}"/> and <see cref="GetInfoAsync"/>. Thread-safe; create one per actor system
/// (<c>LockActorsExtension.Get(system).Client</c>).
/// </summary>
public sealed class LockClient : ILockClient
{
    private static readonly TimeSpan AskSlack = TimeSpan.FromSeconds(5);
    private readonly IActorRef _manager;
    private readonly LockActorsSettings _settings;
    private readonly ConcurrentDictionary<string, LockHandle> _handles = new(StringComparer.Ordinal);
    private readonly ShutdownSignal _shutdown;

    /// <summary>
    /// Creates a client that talks to <paramref name="manager"/> (one made from <see cref="LockManager.Props"/>);
    /// <c>LockActorsExtension.Get(system).Client</c> is the one every system has.
    /// </summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public LockClient(ActorSystem system, IActorRef manager, LockActorsSettings settings)
        : this(system, manager, settings, new ShutdownSignal(system ?? throw new ArgumentNullException(nameof(system))))
    {
    }

    internal LockClient(ActorSystem system, IActorRef manager, LockActorsSettings settings, ShutdownSignal shutdown)
    {
        ArgumentNullException.ThrowIfNull(system);
        _manager = manager ?? throw new ArgumentNullException(nameof(manager));
        _settings = settings ?? throw new ArgumentNullException(nameof(settings));
        _shutdown = shutdown;
    }

    /// <summary>Number of handles currently held through this client (tests).</summary>
    internal int HeldCount => _handles.Count;

    /// <summary>Acquires the lock, waiting up to <see cref="LockOptions.AcquireTimeout"/> while it is held.</summary>
    /// <param name="target">The target file URI, e.g. <c>file:///data/in/a.csv</c>.</param>
    /// <param name="options">TTL, wait, owner and stale policy; null = the configured defaults.</param>
    /// <param name="cancellationToken">Withdraws the queued request; a lock granted just as it fired is released at once.</param>
    /// <exception cref="LockAcquireTimeoutException">The lock stayed held for the whole wait.</exception>
    /// <exception cref="LockAlreadyHeldException">The lock is held and the wait is zero.</exception>
    /// <exception cref="InvalidLockRequestException">The TTL, wait or owner id is out of range.</exception>
    /// <exception cref="LockQueueFullException">Too many callers already wait for the target.</exception>
    /// <exception cref="FencingTokenExhaustedException">The target's fencing token cannot grow any further.</exception>
    /// <exception cref="LockStoreException">The target is invalid or has no store, or the store failed.</exception>
    /// <exception cref="LockReplyTimeoutException">The lock manager did not answer (the outcome is unknown).</exception>
    /// <exception cref="LockSystemShuttingDownException">The actor system is shutting down (thrown at once).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    /// <example>
    /// <code>
    /// var client = LockActorsExtension.Get(system).Client;
    /// await using (var handle = await client.AcquireAsync("file:///srv/inbox/a.csv", new LockOptions { Ttl = TimeSpan.FromMinutes(1) }))
    /// {
    ///     if (handle.CheckLease()) // check before each write the lock protects
    ///     {
    ///         await WriteAsync(handle.FencingToken, handle.HandleLost);
    ///     }
    /// } // released here
    /// </code>
    /// </example>
    public Task<LockHandle> AcquireAsync(string target, LockOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= LockOptions.Default;
        var wait = options.AcquireTimeout ?? _settings.AcquireTimeout;
        return RequestAsync(target, options, wait, cancellationToken);
    }

    /// <summary>
    /// Acquires the lock if it becomes free within <see cref="LockOptions.AcquireTimeout"/> when the options give one,
    /// or right now when they do not (the configured <c>acquire-timeout</c> is not used here); completes with null when
    /// the lock is still held by someone else when that wait ends.
    /// </summary>
    /// <remarks>Use <see cref="TryAcquireAsync(string, TimeSpan, CancellationToken)"/> to give the wait directly.</remarks>
    /// <param name="target">The target file URI.</param>
    /// <param name="options">TTL, owner, stale policy and the wait (<see cref="LockOptions.AcquireTimeout"/>; none when null); null = the configured defaults and no wait.</param>
    /// <param name="cancellationToken">Stops the attempt; a lock granted just as it fired is released at once.</param>
    /// <exception cref="InvalidLockRequestException">The TTL, wait or owner id is out of range.</exception>
    /// <exception cref="FencingTokenExhaustedException">The target's fencing token cannot grow any further.</exception>
    /// <exception cref="LockStoreException">The target is invalid or has no store, or the store failed.</exception>
    /// <exception cref="LockReplyTimeoutException">The lock manager did not answer (the outcome is unknown).</exception>
    /// <exception cref="LockSystemShuttingDownException">The actor system is shutting down (thrown at once).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public async Task<LockHandle?> TryAcquireAsync(string target, LockOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= LockOptions.Default;
        try
        {
            return await RequestAsync(target, options, options.AcquireTimeout ?? TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is LockAlreadyHeldException or LockAcquireTimeoutException)
        {
            return null;
        }
    }

    /// <summary>
    /// Acquires the lock, waiting up to <paramref name="wait"/> while it is held (<see cref="TimeSpan.Zero"/> = do not
    /// wait, <see cref="Timeout.InfiniteTimeSpan"/> = wait forever); completes with null when the wait ends first.
    /// </summary>
    /// <param name="target">The target file URI.</param>
    /// <param name="wait">How long to wait while the lock is held.</param>
    /// <param name="cancellationToken">Withdraws the queued request; a lock granted just as it fired is released at once.</param>
    /// <exception cref="InvalidLockRequestException">The wait is negative or longer than <see cref="LockLimits.MaxWait"/>.</exception>
    /// <exception cref="FencingTokenExhaustedException">The target's fencing token cannot grow any further.</exception>
    /// <exception cref="LockStoreException">The target is invalid or has no store, or the store failed.</exception>
    /// <exception cref="LockReplyTimeoutException">The lock manager did not answer (the outcome is unknown).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    /// <example>
    /// <code>
    /// await using var handle = await client.TryAcquireAsync("file:///srv/inbox/a.csv", TimeSpan.FromSeconds(5));
    /// if (handle is null)
    /// {
    ///     return; // another process still holds it after 5 s
    /// }
    ///
    /// await WriteAsync(handle.FencingToken, handle.HandleLost);
    /// </code>
    /// </example>
    public Task<LockHandle?> TryAcquireAsync(string target, TimeSpan wait, CancellationToken cancellationToken = default) =>
        TryAcquireAsync(target, new LockOptions { AcquireTimeout = wait }, cancellationToken);

    /// <summary>
    /// Runs <paramref name="body"/> while holding the lock and releases it on every path (success, exception,
    /// cancellation). The body should observe <see cref="LockHandle.HandleLost"/>.
    /// </summary>
    /// <param name="target">The target file URI.</param>
    /// <param name="body">The work to do under the lock.</param>
    /// <param name="options">TTL, wait, owner and stale policy; null = the configured defaults.</param>
    /// <param name="cancellationToken">Withdraws the request while it waits; the body gets the handle, not this token.</param>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="LockException">Acquiring failed, as for <see cref="AcquireAsync"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired while waiting.</exception>
    public async Task<T> WithLockAsync<T>(string target, Func<LockHandle, Task<T>> body, LockOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        var handle = await AcquireAsync(target, options, cancellationToken).ConfigureAwait(false);
        await using (handle.ConfigureAwait(false))
        {
            return await body(handle).ConfigureAwait(false);
        }
    }

    /// <summary>Runs <paramref name="body"/> while holding the lock and releases it on every path.</summary>
    /// <param name="target">The target file URI.</param>
    /// <param name="body">The work to do under the lock.</param>
    /// <param name="options">TTL, wait, owner and stale policy; null = the configured defaults.</param>
    /// <param name="cancellationToken">Withdraws the request while it waits; the body gets the handle, not this token.</param>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="LockException">Acquiring failed, as for <see cref="AcquireAsync"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired while waiting.</exception>
    /// <example>
    /// <code>
    /// await client.WithLockAsync("file:///srv/inbox/a.csv", handle => WriteAsync(handle.FencingToken, handle.HandleLost));
    /// </code>
    /// </example>
    public Task WithLockAsync(string target, Func<LockHandle, Task> body, LockOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        return WithLockAsync<bool>(target, async h =>
        {
            await body(h).ConfigureAwait(false);
            return true;
        }, options, cancellationToken);
    }

    /// <summary>Who holds the target, and how long since the holder last renewed.</summary>
    /// <param name="target">The target file URI.</param>
    /// <param name="cancellationToken">Stops waiting for the answer.</param>
    /// <exception cref="LockStoreException">The target is invalid or has no store, or the store failed.</exception>
    /// <exception cref="LockReplyTimeoutException">The lock manager did not answer.</exception>
    /// <exception cref="LockSystemShuttingDownException">The actor system is shutting down (thrown at once).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public Task<LockInfo> GetInfoAsync(string target, CancellationToken cancellationToken = default) =>
        _shutdown.IsShuttingDown
            ? Task.FromException<LockInfo>(new LockSystemShuttingDownException(target))
            : _manager.AskAsync<LockInfo>(new GetLockInfo(target), target, _settings.StoreOperationTimeout + AskSlack, cancellationToken);

    /// <summary>One acquire, traced as a <c>lockactors.acquire</c> span from the call to the answer (the whole wait the caller sees).</summary>
    private async Task<LockHandle> RequestAsync(string target, LockOptions options, TimeSpan wait, CancellationToken cancellationToken)
    {
        using var span = LockSpans.StartAcquire(target);
        try
        {
            var handle = await RequestUntracedAsync(target, options, wait, cancellationToken).ConfigureAwait(false);
            LockSpans.Granted(span, handle.Grant);
            return handle;
        }
        catch (Exception e)
        {
            LockSpans.AcquireFailed(span, e);
            throw;
        }
    }

    private async Task<LockHandle> RequestUntracedAsync(string target, LockOptions options, TimeSpan wait, CancellationToken cancellationToken)
    {
        if (_shutdown.IsShuttingDown)
        {
            throw new LockSystemShuttingDownException(target); // at once: the manager is releasing locks or gone
        }

        if (!LockRequestValidator.IsValidWait(wait))
        {
            throw new InvalidLockRequestException(target,
                $"the acquire timeout must be between zero and {LockLimits.MaxWait}, or Timeout.InfiniteTimeSpan to wait forever, not {wait}");
        }

        var infinite = LockLimits.IsInfinite(wait);
        var request = new Acquire(target, options.Ttl)
        {
            WaitTimeout = wait > TimeSpan.Zero || infinite ? wait : null,
            OwnerId = options.OwnerId,
            OnStale = options.OnStale,
            HeartbeatInterval = options.HeartbeatInterval,
            NotifyLost = ActorRefs.Nobody, // the handle learns of a loss from the grant's lease, with no message to race
        };

        // The actor answers the wait itself (grant, timeout or withdrawal); the Ask timeout only guards against a
        // lost reply. Cancellation withdraws the request and still awaits the answer, because a grant may already
        // be on its way: such a grant is released at once rather than left held by nobody.
        var reply = _manager.AskAsync<LockGranted>(request, target, infinite ? null : wait + (_settings.StoreOperationTimeout * 3) + AskSlack);
        LockGranted grant;
        using (cancellationToken.Register(() => _manager.Tell(new CancelAcquire(target, request.RequestId))))
        {
            grant = await reply.ConfigureAwait(false);
        }

        if (cancellationToken.IsCancellationRequested)
        {
            await _manager.AskAsync<LockReleased>(new Release(grant.Target, grant.LockId), grant.Target, _settings.StoreOperationTimeout + AskSlack).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }

        var handle = new LockHandle(grant, _manager, _settings.StoreOperationTimeout + AskSlack, h => _handles.TryRemove(h.LockId, out _), _shutdown);
        _handles[grant.LockId] = handle;
        return handle;
    }
}
