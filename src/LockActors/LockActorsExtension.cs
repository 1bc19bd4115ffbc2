using Akka.Actor;
using LockActors.Actors;
using LockActors.Client;
using LockActors.Configuration;
using LockActors.Configuration.Stores;
using LockActors.Storage;

namespace LockActors;

/// <summary>
/// Where LockActors starts in an actor system: one <see cref="LockManager"/> (actor name <c>lock-actors</c>), its
/// <see cref="LockClient"/>, settings and store registry, created on first use from <c>lock-actors { }</c>.
/// </summary>
public sealed class LockActorsExtension : IExtension
{
    internal LockActorsExtension(ExtendedActorSystem system)
    {
        system.Settings.InjectTopLevelFallback(LockActorsSettings.ReferenceConfig);
        Settings = LockActorsSettings.Create(system.Settings.Config);
        Stores = LockStoreRegistryFactory.Create(system.Settings.Config);
        if (system.Settings.Setup.Get<LockActorsSetup>().HasValue)
        {
            system.Settings.Setup.Get<LockActorsSetup>().Value.ConfigureStores?.Invoke(Stores);
        }

        Manager = system.SystemActorOf(LockManager.Props(Settings, Stores), "lock-actors");
        Client = new LockClient(system, Manager, Settings);
        system.RegisterOnTermination(() => Stores.DisposeAsync().AsTask().GetAwaiter().GetResult());
    }

    /// <summary>The validated settings.</summary>
    public LockActorsSettings Settings { get; }

    /// <summary>The scheme → store registry (custom stores can be added through <see cref="LockActorsSetup"/>).</summary>
    public LockStoreRegistry Stores { get; }

    /// <summary>The lock manager: send it <c>Acquire</c>, <c>Release</c>, <c>GetLockInfo</c>, <c>CancelAcquire</c>.</summary>
    public IActorRef Manager { get; }

    /// <summary>Takes and releases locks with async calls, through <see cref="Manager"/>.</summary>
    public LockClient Client { get; }

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
