using Akka.Actor;
using Akka.Configuration;
using Akka.Coordination;
using Akka.Event;
using LockActors.Messages;

namespace LockActors.Coordination;

/// <summary>
/// An Akka.Coordination <see cref="Lease"/> whose lock is a LockActors sidecar on any configured store: the
/// <c>use-lease</c> of Cluster Singleton and Cluster Sharding and the Split Brain Resolver's <c>lease-majority</c>,
/// without Kubernetes or Azure. <see cref="LeaseProvider"/> creates it from the HOCON section
/// <c>akka.coordination.lease.lock-actors</c> (<see cref="ConfigPath"/>).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>The lease named <c>n</c> is the lock on <c>&lt;lease-root&gt;&lt;safe n&gt;</c>: its sidecar is that URI plus
/// <c>.lock</c>, and its owner id is <see cref="LeaseSettings.OwnerName"/>. Safe names keep <c>A-Z a-z 0-9 . -</c>
/// and write every other UTF-8 byte as <c>_XX</c>; over-long names are cut and end with <c>~</c> and a hash, so
/// distinct names never share a sidecar (see the embedded <c>reference.conf</c>).</item>
/// <item><see cref="Acquire()"/> completes with false when another owner holds the lease, and fails with
/// <see cref="LeaseTimeoutException"/> (no answer within <c>lease-operation-timeout</c>) or <see cref="LeaseException"/>
/// (a store error) when the outcome is unknown; a grant that arrives after such a failure is released. Acquiring a
/// lease this instance already holds completes with true.</item>
/// <item>The lost-lease callback runs at most once per acquire, on the thread pool, and only after the task returned
/// by <see cref="Acquire(Action{Exception})"/> has completed; it receives a <see cref="LeaseTimeoutException"/> naming
/// the cause.</item>
/// <item><see cref="CheckLease"/> is true only while the lease is certainly held: computed from the monotonic clock at
/// the call (no I/O), false once the last confirmed renewal is older than
/// <c>heartbeat-timeout * (1 - lock-actors.lease-safety-margin)</c>, before any other owner may take it.</item>
/// <item><see cref="Release"/> removes the sidecar only if it is still this grant's (a compare-and-swap on its
/// version); it completes with false when the lease was not held.</item>
/// <item>The TTL is <c>heartbeat-timeout</c>; renewals run every <c>heartbeat-interval</c> of the lease section, shortened
/// to half the trusted lease, <c>heartbeat-timeout * (1 - lock-actors.lease-safety-margin) / 2</c>, when it is longer.</item>
/// <item>Only the consumer releases a lease. LockActors' own release of held locks at shutdown (phase
/// <c>service-stop</c>) leaves leases alone: it runs before a singleton is handed over or a shard stops, and would let
/// another node start one while this node's still runs. A lease its consumer did not release expires after
/// <c>heartbeat-timeout</c>.</item>
/// </list>
/// </remarks>
public sealed class LockActorsLease : Lease
{
    /// <summary>The HOCON path of this lease's section, to name in <c>use-lease</c> or <c>lease-implementation</c>.</summary>
    public const string ConfigPath = "akka.coordination.lease.lock-actors";

    private readonly LockActorsLeaseConfig _config;
    private readonly LeaseLockManager _locks;
    private readonly ILoggingAdapter _log;
    private readonly SemaphoreSlim _serial = new(1, 1);
    private LockGranted? _held;

    /// <summary>Creates the lease; <see cref="LeaseProvider"/> calls this constructor.</summary>
    /// <param name="settings">The lease's name, owner, timeouts and section (<c>lease-root</c>).</param>
    /// <param name="system">The actor system whose LockActors stores hold the lock.</param>
    /// <exception cref="LockConfigurationException"><c>lease-root</c> or a timeout is missing or invalid.</exception>
    public LockActorsLease(LeaseSettings settings, ExtendedActorSystem system)
        : base(settings)
    {
        ArgumentNullException.ThrowIfNull(system);
        system.Settings.InjectTopLevelFallback(DefaultConfig);
        var locks = LockActorsExtension.Get(system);
        _config = LockActorsLeaseConfig.From(settings, locks.Settings);
        var scheme = LockTarget.Parse(_config.Target).Scheme;
        if (!locks.Stores.Supports(scheme))
        {
            throw new LockConfigurationException("lease-root", $"no LockActors store is configured for the scheme of lease-root ({scheme}://): add it under lock-actors.stores");
        }

        _locks = LeaseLockManager.Get(system);
        _log = Logging.GetLogger(system, typeof(LockActorsLease));
    }

    /// <summary>
    /// The embedded defaults (<c>akka.coordination.lease.lock-actors { }</c>). Akka reads <c>lease-class</c> before this
    /// assembly is loaded: with plain HOCON, add them as a fallback (<c>config.WithFallback(LockActorsLease.DefaultConfig)</c>)
    /// or write <c>lease-class</c> yourself; the Akka.Hosting <see cref="LockActorsLeaseOption"/> adds them for you.
    /// </summary>
    public static Config DefaultConfig { get; } = ConfigurationFactory.FromResource<LockActorsLease>("LockActors.Coordination.reference.conf");

    /// <summary>The URI this lease locks; its sidecar is this URI plus <c>.lock</c>.</summary>
    public string Target => _config.Target;

    /// <summary>The fencing token of the current grant while <see cref="CheckLease"/> is true; null otherwise.</summary>
    public long? FencingToken => Volatile.Read(ref _held) is { } held && held.Lease.CheckLease() ? held.FencingToken : null;

    /// <inheritdoc />
    public override Task<bool> Acquire() => Acquire(null);

    /// <inheritdoc />
    public override Task<bool> Acquire(Action<Exception>? leaseLostCallback)
    {
        LockGranted? granted = null;
        var acquired = AcquireCoreAsync(g => granted = g);
        if (leaseLostCallback is not null)
        {
            // A continuation of the very task the caller gets: the callback cannot be registered, let alone run, before
            // that task has completed.
            acquired.ContinueWith(
                t =>
                {
                    if (t.IsCompletedSuccessfully && t.Result && granted is { } grant)
                    {
                        grant.Lease.Lost.Register(() => TellLost(grant, leaseLostCallback));
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }

        return acquired;
    }

    /// <inheritdoc />
    public override async Task<bool> Release()
    {
        await EnterAsync("release").ConfigureAwait(false);
        try
        {
            var held = Interlocked.Exchange(ref _held, null);
            if (held is null)
            {
                return false;
            }

            var released = _locks.Manager.Ask<LockReleased>(new Messages.Release(held.Target, held.LockId), _locks.ReplyTimeout);
            ObserveLate(released);
            await Task.WhenAny(released, _locks.Stopped).WaitAsync(_config.OperationTimeout).ConfigureAwait(false);
            if (!released.IsCompleted)
            {
                // The actor system is going down without its lease manager (e.g. terminated abruptly): nobody will
                // answer, so do not wait the operation timeout. The grant is no longer renewed and expires by its TTL.
                _log.Warning("Lease {0} ({1}) not released: the lease manager has stopped; it expires after its TTL ({2})", Settings.LeaseName, Target, _config.Ttl);
                return false;
            }

            await released.ConfigureAwait(false);
            return true;
        }
        catch (LockNotHeldException)
        {
            return false; // lost before the release: the sidecar is someone else's now and was left alone
        }
        catch (Exception e) when (ToLeaseException("release", e) is { } failure)
        {
            throw failure;
        }
        finally
        {
            _serial.Release();
        }
    }

    /// <inheritdoc />
    public override bool CheckLease() => Volatile.Read(ref _held)?.Lease.CheckLease() == true;

    private async Task<bool> AcquireCoreAsync(Action<LockGranted> granted)
    {
        await EnterAsync("acquire").ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _held) is { } current)
            {
                if (current.Lease.CheckLease())
                {
                    granted(current); // re-entrant: this owner already holds it
                    return true;
                }

                Interlocked.CompareExchange(ref _held, null, current);
            }

            var grant = await RequestAsync().ConfigureAwait(false);
            if (grant is null)
            {
                return false;
            }

            if (!grant.Lease.CheckLease())
            {
                // Granted, but the answer came so late that the lease is no longer certainly held: a consumer told true
                // would act (start a singleton, a shard) without it. Give it back and report the outcome as unknown.
                _locks.Manager.Tell(new Messages.Release(grant.Target, grant.LockId));
                throw new LeaseTimeoutException($"Lease '{Settings.LeaseName}' ({Target}) was granted too late to be certainly held ({grant.Lease.LostReason ?? "its lease ran out on the way"}); it is being released.");
            }

            Volatile.Write(ref _held, grant);
            grant.Lease.Lost.Register(() =>
            {
                Interlocked.CompareExchange(ref _held, null, grant);
                _log.Warning("Lease {0} ({1}) lost: {2}", Settings.LeaseName, Target, grant.Lease.LostReason);
            });
            granted(grant);
            return true;
        }
        finally
        {
            _serial.Release();
        }
    }

    /// <summary>
    /// One attempt that does not wait for a held lock, bounded by the operation timeout. The manager answers every
    /// request itself within <see cref="LeaseLockManager.ReplyTimeout"/>; a grant that lands after this call gave up is
    /// released.
    /// </summary>
    private async Task<LockGranted?> RequestAsync()
    {
        var request = new Messages.Acquire(Target, _config.Ttl)
        {
            OwnerId = Settings.OwnerName,
            OnStale = StalePolicy.TakeOver,
            NotifyLost = ActorRefs.Nobody, // the lease learns of a loss from the grant's LockLease
            HeartbeatInterval = _config.HeartbeatInterval,
        };
        var reply = _locks.Manager.Ask<LockGranted>(request, _locks.ReplyTimeout);
        try
        {
            return await reply.WaitAsync(_config.OperationTimeout).ConfigureAwait(false);
        }
        catch (LockAlreadyHeldException)
        {
            return null;
        }
        catch (TimeoutException)
        {
            ReleaseIfGrantedLate(reply);
            throw new LeaseTimeoutException($"Acquiring lease '{Settings.LeaseName}' ({Target}) got no answer within {_config.OperationTimeout}; the outcome is unknown and a late grant will be released.");
        }
        catch (Exception e) when (ToLeaseException("acquire", e) is { } failure)
        {
            throw failure;
        }
    }

    private void ReleaseIfGrantedLate(Task<LockGranted> reply) =>
        reply.ContinueWith(
            t =>
            {
                if (t.IsCompletedSuccessfully)
                {
                    _locks.Manager.Tell(new Messages.Release(t.Result.Target, t.Result.LockId));
                }

                _ = t.Exception; // observed: the caller was already told the outcome is unknown
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

    private static void ObserveLate(Task task) =>
        task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    /// <summary>Acquire and release of one lease run one at a time, each waiting at most the operation timeout for its turn.</summary>
    private async Task EnterAsync(string operation)
    {
        if (!await _serial.WaitAsync(_config.OperationTimeout).ConfigureAwait(false))
        {
            throw new LeaseTimeoutException($"Could not {operation} lease '{Settings.LeaseName}' ({Target}): an earlier acquire or release was still running after {_config.OperationTimeout}.");
        }
    }

    private LeaseException? ToLeaseException(string operation, Exception e) => e switch
    {
        LeaseException => null,
        TimeoutException or AskTimeoutException or LockTimeoutException => new LeaseTimeoutException($"Could not {operation} lease '{Settings.LeaseName}' ({Target}) within {_config.OperationTimeout}; the outcome is unknown: {e.Message}", e),
        LockException or OperationCanceledException => new LeaseException($"Could not {operation} lease '{Settings.LeaseName}' ({Target}); the outcome is unknown: {e.Message}", e),
        _ => null,
    };

    private void TellLost(LockGranted grant, Action<Exception> callback)
    {
        try
        {
            callback(new LeaseTimeoutException($"Lease '{Settings.LeaseName}' ({Target}) was lost: {grant.Lease.LostReason ?? "unknown reason"}."));
        }
        catch (Exception e)
        {
            _log.Error(e, "The lost-lease callback of {0} threw", Settings.LeaseName);
        }
    }
}
