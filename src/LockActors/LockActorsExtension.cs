using Akka;
using Akka.Actor;
using Akka.Event;
using LockActors.Actors;
using LockActors.Actors.Cluster;
using LockActors.Client;
using LockActors.Configuration;
using LockActors.Configuration.Stores;
using LockActors.Storage;

namespace LockActors;

/// <summary>
/// Where LockActors starts in an actor system: one <see cref="LockManager"/> (actor name <c>lock-actors</c>), its
/// <see cref="LockClient"/>, settings and store registry, created on first use from <c>lock-actors { }</c>.
/// </summary>
/// <remarks>
/// Locks end with their owner: the extension adds a task to the actor system's <see cref="CoordinatedShutdown"/>, which
/// runs on <c>ActorSystem.Terminate()</c>, <c>CoordinatedShutdown.Run</c>, an Akka.Hosting host's <c>StopAsync</c> and
/// process exit. It runs in the phase <c>service-stop</c> (<see cref="ReleasePhase"/>): after <c>service-requests-done</c>,
/// so requests that were finishing could still take and release locks normally, and before
/// <c>cluster-sharding-shutdown-region</c>, <c>cluster-leave</c> and <c>actor-system-terminate</c>, so the lock actors
/// (also sharded ones, in a cluster) are still running to do it. The task refuses new acquires, tells every holder
/// <see cref="Messages.LockLost"/> with <see cref="Messages.LockLossCause.Shutdown"/>, fails queued callers with
/// <see cref="LockSystemShuttingDownException"/>, and removes each held sidecar exactly as a release does (conditional
/// on the holder's version). It waits at most <c>lock-actors.shutdown-release-timeout</c>, without blocking a thread;
/// sidecars not removed by then are named in a warning and expire by TTL.
/// </remarks>
public sealed class LockActorsExtension : IExtension
{
    private readonly ShutdownSignal _shutdown;

    internal LockActorsExtension(ExtendedActorSystem system)
    {
        system.Settings.InjectTopLevelFallback(LockActorsSettings.ReferenceConfig);
        Settings = LockActorsSettings.Create(system.Settings.Config);
        Stores = LockStoreRegistryFactory.Create(system.Settings.Config);
        if (system.Settings.Setup.Get<LockActorsSetup>().HasValue)
        {
            system.Settings.Setup.Get<LockActorsSetup>().Value.ConfigureStores?.Invoke(Stores);
        }

        Manager = Settings.Cluster.Enabled
            ? system.SystemActorOf(ClusterLockManager.Props(Settings, Stores, ClusterRouting.StartRegion(system, Settings, Stores)), "lock-actors")
            : system.SystemActorOf(LockManager.Props(Settings, Stores), "lock-actors");
        Client = new LockClient(system, Manager, Settings, _shutdown = new ShutdownSignal(system));
        system.RegisterOnTermination(() => Stores.DisposeAsync().AsTask().GetAwaiter().GetResult());
        RegisterShutdown(system);
    }

    /// <summary>The coordinated-shutdown phase in which held locks are released: <c>service-stop</c> (see the remarks).</summary>
    public const string ReleasePhase = CoordinatedShutdown.PhaseServiceStop;

    /// <summary>The validated settings.</summary>
    public LockActorsSettings Settings { get; }

    /// <summary>The scheme → store registry (custom stores can be added through <see cref="LockActorsSetup"/>).</summary>
    public LockStoreRegistry Stores { get; }

    /// <summary>The lock manager: send it <c>Acquire</c>, <c>Release</c>, <c>GetLockInfo</c>, <c>CancelAcquire</c>.</summary>
    public IActorRef Manager { get; }

    /// <summary>Takes and releases locks with async calls, through <see cref="Manager"/>.</summary>
    public LockClient Client { get; }

    private void RegisterShutdown(ExtendedActorSystem system)
    {
        var coordinated = CoordinatedShutdown.Get(system);
        var phaseTimeout = coordinated.Timeout(ReleasePhase);
        if (Settings.ShutdownReleaseTimeout >= phaseTimeout)
        {
            system.Log.Warning("lock-actors.shutdown-release-timeout ({0}) is not below the timeout of the coordinated-shutdown phase {1} ({2}): Akka may move on before the locks are released", Settings.ShutdownReleaseTimeout, ReleasePhase, phaseTimeout);
        }

        coordinated.AddTask(ReleasePhase, "lock-actors-release-locks", () => ReleaseLocksAsync(system));
        // A run that starts at a later phase skips the release: calls still fail (or return) at once from then on.
        coordinated.AddTask(CoordinatedShutdown.PhaseActorSystemTerminate, "lock-actors-refuse-calls", () =>
        {
            _shutdown.Begin();
            return Task.FromResult(Done.Instance);
        });
    }

    /// <summary>The release phase's task: an Ask, never a blocked thread; always completes (the manager bounds the wait).</summary>
    private Task<Done> ReleaseLocksAsync(ExtendedActorSystem system)
    {
        _shutdown.Begin();
        return Manager.Ask<LocksShutDown>(ShutDownLocks.Instance, Settings.ShutdownReleaseTimeout + TimeSpan.FromSeconds(1))
            .ContinueWith(
                t =>
                {
                    if (!t.IsCompletedSuccessfully)
                    {
                        system.Log.Warning("Releasing the locks at shutdown did not complete: {0}", t.Exception?.GetBaseException().Message ?? "cancelled");
                    }

                    return Done.Instance;
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
    }

    /// <summary>The extension of <paramref name="system"/>, created on first call.</summary>
    /// <exception cref="LockConfigurationException">
    /// On the first call: <c>lock-actors { }</c> holds an invalid value (Akka may wrap it in the exception it raises
    /// for a failed extension).
    /// </exception>
    /// <example>
    /// <code>
    /// var system = ActorSystem.Create("my-app");
    /// var client = LockActorsExtension.Get(system).Client;   // async calls: AcquireAsync, TryAcquireAsync, WithLockAsync
    /// var manager = LockActorsExtension.Get(system).Manager; // the actor behind them: Ask or Tell it Acquire, Release
    /// </code>
    /// </example>
    public static LockActorsExtension Get(ActorSystem system) => system.WithExtension<LockActorsExtension, LockActorsExtensionProvider>();
}

/// <summary>Akka extension id for <see cref="LockActorsExtension"/>.</summary>
public sealed class LockActorsExtensionProvider : ExtensionIdProvider<LockActorsExtension>
{
    /// <inheritdoc />
    public override LockActorsExtension CreateExtension(ExtendedActorSystem system) => new(system);
}

/// <summary>Programmatic set-up passed in the actor system's <see cref="Akka.Actor.Setup.ActorSystemSetup"/>: register custom stores.</summary>
public sealed class LockActorsSetup(Action<LockStoreRegistry>? configureStores) : Akka.Actor.Setup.Setup
{
    /// <summary>Called once with the registry built from HOCON; register or replace stores here.</summary>
    public Action<LockStoreRegistry>? ConfigureStores { get; } = configureStores;
}
