using Akka.Actor;
using LockActors.Messages;
using LockActors.Storage;
using LockActors.Telemetry;

namespace LockActors.Client;

/// <summary>
/// A held lock. Dispose (or <see cref="ReleaseAsync"/>) to release it; <see cref="HandleLost"/> is cancelled if the lock
/// is lost before that (taken over, removed, or renewals failing past the lease's safety margin), and
/// <see cref="CheckLease"/> says synchronously whether it is still certainly held.
/// </summary>
public sealed class LockHandle : IAsyncDisposable
{
    private readonly IActorRef _manager;
    private readonly TimeSpan _operationTimeout;
    private readonly Action<LockHandle> _onFinished;
    private readonly ShutdownSignal _shutdown;
    private readonly object _gate = new();
    private Task? _release;

    internal LockHandle(LockGranted grant, IActorRef manager, TimeSpan operationTimeout, Action<LockHandle> onFinished, ShutdownSignal shutdown)
    {
        Grant = grant;
        _manager = manager;
        _operationTimeout = operationTimeout;
        _onFinished = onFinished;
        _shutdown = shutdown;
    }

    /// <summary>The grant as the lock actor sent it.</summary>
    public LockGranted Grant { get; }

    /// <summary>The normalised target URI.</summary>
    public string Target => Grant.Target;

    /// <summary>The grant's id.</summary>
    public string LockId => Grant.LockId;

    /// <summary>What the sidecar says about this grant.</summary>
    public LockMetadata Metadata => Grant.Metadata;

    /// <summary>Grows with every grant of the target; pass it to the resource you protect to reject stale writers.</summary>
    public long FencingToken => Grant.FencingToken;

    /// <summary>Cancelled when the lock is lost before it is released. Stop touching the target when it fires.</summary>
    public CancellationToken HandleLost => Grant.Lease.Lost;

    /// <summary>Why the lock was lost, once <see cref="HandleLost"/> has fired.</summary>
    public string? LostReason => Grant.Lease.LostReason;

    /// <summary>Why the lock was lost, as a value (<see cref="LockLossCause.Shutdown"/> when the actor system stopped), once <see cref="HandleLost"/> has fired.</summary>
    public LockLossCause? LostCause => Grant.Lease.LostCause;

    /// <summary>True once released or lost.</summary>
    public bool IsFinished => Volatile.Read(ref _release) is { IsCompletedSuccessfully: true } || Grant.Lease.IsEnded;

    /// <summary>
    /// True only while the lock is certainly held (synchronous, no I/O; see <see cref="LockLease.CheckLease"/>). Call it
    /// before each protected write: after a process pause it is false at once, before any timer has run.
    /// </summary>
    public bool CheckLease() => Grant.Lease.CheckLease();

    /// <summary>
    /// Releases the lock. Completes when the sidecar is removed (or handed to the next local waiter); every concurrent or
    /// later call awaits that same release. Throws <see cref="LockNotHeldException"/> if the lock had been lost. A store
    /// error is thrown as such; the lock actor has then stopped renewing and keeps retrying the removal until it
    /// succeeds or the lease runs out, and calling again sends the release again. A token cancelled before the call
    /// releases nothing; cancelling later only stops waiting (the release goes on). Once the actor system is shutting
    /// down it returns at once: the shutdown releases every held lock itself (or leaves the sidecar to expire by TTL when
    /// the store cannot be reached).
    /// </summary>
    /// <param name="cancellationToken">Stops waiting; the release itself goes on once sent.</param>
    /// <exception cref="LockNotHeldException">The lock had been lost (or released under another handle).</exception>
    /// <exception cref="LockStoreException">The store failed; the lock actor keeps retrying the removal.</exception>
    /// <exception cref="LockReplyTimeoutException">The lock manager did not answer; calling again sends the release again.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public async Task ReleaseAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (EndedByShutdown())
        {
            return;
        }

        Task release;
        lock (_gate)
        {
            if (_release is null || _release.IsFaulted || _release.IsCanceled)
            {
                _release = SendReleaseAsync();
            }

            release = _release;
        }

        await release.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Releases the lock; a lock that was already lost (its lease ended by a loss, or its lock actor stopped) returns at
    /// once, and so does any handle once the actor system is shutting down (the shutdown releases its locks). Store errors
    /// are not thrown either: the lock actor keeps retrying the removal until it succeeds or the lease ends.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (Grant.Lease.LostReason is null && !EndedByShutdown())
            {
                await ReleaseAsync().ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is LockNotHeldException or LockStoreException or LockReplyTimeoutException)
        {
            // Lost before the release (HandleLost already told the holder), or the release is being retried by the actor.
        }
        finally
        {
            _onFinished(this);
        }
    }

    /// <summary>
    /// True once the system is shutting down: nothing is asked (the manager is releasing every lock, or is gone), and the
    /// lease ends here so that <see cref="CheckLease"/> is false from now on.
    /// </summary>
    private bool EndedByShutdown()
    {
        if (!_shutdown.IsShuttingDown)
        {
            return false;
        }

        Grant.Lease.EndReleased();
        _onFinished(this);
        return true;
    }

    /// <summary>Sends the release, traced as a <c>lockactors.release</c> span.</summary>
    private async Task SendReleaseAsync()
    {
        using var span = LockSpans.StartRelease(Grant);
        try
        {
            await _manager.AskAsync<LockReleased>(new Release(Target, LockId), Target, _operationTimeout).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LockSpans.Failed(span, e);
            throw;
        }

        _onFinished(this);
    }
}
