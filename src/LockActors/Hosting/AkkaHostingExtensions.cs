using Akka.Hosting;
using LockActors.Actors;
using LockActors.Configuration;
using LockActors.Storage;

namespace LockActors.Hosting;

/// <summary>Akka.Hosting integration.</summary>
public static class AkkaHostingExtensions
{
    /// <summary>
    /// Adds LockActors to the actor system: the options' HOCON (over the embedded reference.conf) and the
    /// <see cref="LockManager"/> registered in the <see cref="ActorRegistry"/> (resolve it with
    /// <c>IRequiredActor&lt;LockManager&gt;</c>); the client is <c>LockActorsExtension.Get(system).Client</c>.
    /// </summary>
    /// <param name="builder">The Akka configuration builder.</param>
    /// <param name="configure">Sets options; each maps onto a <c>lock-actors { }</c> key.</param>
    /// <param name="configureStores">Optional: register custom stores (e.g. a decorated store) by scheme.</param>
    public static AkkaConfigurationBuilder WithLockActors(
        this AkkaConfigurationBuilder builder,
        Action<LockActorsOptions>? configure = null,
        Action<LockStoreRegistry>? configureStores = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new LockActorsOptions();
        configure?.Invoke(options);
        builder.AddHocon(options.ToConfig().WithFallback(LockActorsSettings.ReferenceConfig), HoconAddMode.Prepend);
        if (configureStores is not null)
        {
            builder.AddSetup(new LockActorsSetup(configureStores));
        }

        return builder.WithActors((system, registry) =>
            registry.Register<LockManager>(LockActorsExtension.Get(system).Manager));
    }
}
