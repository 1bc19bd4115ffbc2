using Akka.Actor;
using LockActors.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LockActors.Hosting;

/// <summary>Registers the lock client in the service provider, next to <c>AddAkka(…, b => b.WithLockActors(…))</c>.</summary>
public static class LockClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ILockClient"/> and <see cref="LockClient"/> as singletons: the client of the
    /// <see cref="ActorSystem"/> that <c>AddAkka</c> registered (<c>LockActorsExtension.Get(system).Client</c>).
    /// Calling it again changes nothing.
    /// </summary>
    /// <param name="services">The service collection that holds the <c>AddAkka</c> registration.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <example>
    /// <code>
    /// services.AddAkka("ingest", builder => builder.WithLockActors());
    /// services.AddLockClient();
    /// services.AddSingleton&lt;Importer&gt;(); // public Importer(ILockClient locks) { … }
    /// </code>
    /// </example>
    public static IServiceCollection AddLockClient(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(sp => LockActorsExtension.Get(sp.GetRequiredService<ActorSystem>()).Client);
        services.TryAddSingleton<ILockClient>(sp => sp.GetRequiredService<LockClient>());
        return services;
    }
}
