using Akka.Configuration;
using Akka.Hosting;
using LockActors.Actors;
using LockActors.Client;
using LockActors.Storage;
using Microsoft.Extensions.Configuration;

namespace LockActors.Hosting;

/// <summary>Akka.Hosting integration.</summary>
/// <remarks>
/// <para>
/// Where a setting comes from, highest first:
/// <list type="number">
/// <item>HOCON added with <c>AddHocon(…, HoconAddMode.Prepend)</c> <em>after</em> <c>WithLockActors</c>;</item>
/// <item><c>WithLockActors</c>'s options (the <see cref="LockActorsOptions"/> properties you set);</item>
/// <item>its <see cref="IConfiguration"/> section (appsettings.json <c>"LockActors"</c>), if given;</item>
/// <item>HOCON added with <c>Prepend</c> before <c>WithLockActors</c>, then HOCON added with <c>Append</c> (in any order);</item>
/// <item>the library's <c>reference.conf</c> defaults, which are only a fallback.</item>
/// </list>
/// This is Akka.Hosting's rule for every plugin: <c>WithLockActors</c> prepends only the keys you set, at the point
/// of the call, so a later <c>Prepend</c> overrides them; nothing the library adds ever overrides your own HOCON.
/// </para>
/// <para>
/// Every key is checked when the actor system starts: an unknown key under <c>lock-actors</c> (a misspelling, or a
/// store key its backend does not have) fails start-up naming the nearest valid key.
/// </para>
/// </remarks>
public static class AkkaHostingExtensions
{
    /// <summary>
    /// Adds LockActors to the actor system: the keys <paramref name="configure"/> sets (see the precedence in the
    /// remarks of <see cref="AkkaHostingExtensions"/>), the <see cref="LockManager"/> registered in the
    /// <see cref="ActorRegistry"/> (resolve it with <c>IRequiredActor&lt;LockManager&gt;</c>). To inject
    /// <see cref="ILockClient"/>, also call <see cref="LockClientServiceCollectionExtensions.AddLockClient"/> on the
    /// service collection (Akka.Hosting 1.5 gives a plugin no access to it).
    /// </summary>
    /// <param name="builder">The Akka configuration builder.</param>
    /// <param name="configure">Sets options; each maps onto a <c>lock-actors { }</c> key.</param>
    /// <param name="configureStores">Optional: register custom stores (e.g. a decorated store) by scheme.</param>
    /// <returns><paramref name="builder"/>, for chaining.</returns>
    /// <example>
    /// <code>
    /// services.AddAkka("ingest", builder => builder.WithLockActors(options =>
    /// {
    ///     options.DefaultTtl = TimeSpan.FromSeconds(30);
    ///     options.Stores.Add(new FileStoreOptions { Root = "/srv/inbox" });
    /// }));
    /// services.AddLockClient(); // then take an ILockClient in any constructor
    /// </code>
    /// </example>
    public static AkkaConfigurationBuilder WithLockActors(
        this AkkaConfigurationBuilder builder,
        Action<LockActorsOptions>? configure = null,
        Action<LockStoreRegistry>? configureStores = null) =>
        WithLockActors(builder, Config.Empty, configure, configureStores);

    /// <summary>
    /// Adds LockActors as <see cref="WithLockActors(AkkaConfigurationBuilder, Action{LockActorsOptions}?, Action{LockStoreRegistry}?)"/>
    /// does, reading settings first from <paramref name="configuration"/>, a section such as
    /// <c>configuration.GetSection("LockActors")</c>: each name maps onto the <c>lock-actors</c> key of the same name in
    /// kebab-case (<c>DefaultTtl</c> or <c>default-ttl</c> → <c>default-ttl</c>, <c>Stores:File:Root</c> →
    /// <c>stores.file.root</c>, <c>Stores:S3:Provider</c> → <c>stores.s3.provider</c>); durations are strings such as
    /// <c>"30s"</c> or <c>"00:00:30"</c>. Options set in <paramref name="configure"/> win over the section.
    /// </summary>
    /// <param name="builder">The Akka configuration builder.</param>
    /// <param name="configuration">The <c>LockActors</c> section (its children are the settings).</param>
    /// <param name="configure">Sets options over the section's values.</param>
    /// <param name="configureStores">Optional: register custom stores (e.g. a decorated store) by scheme.</param>
    /// <returns><paramref name="builder"/>, for chaining.</returns>
    /// <example>
    /// <code>
    /// // appsettings.json: { "LockActors": { "DefaultTtl": "30s", "Stores": { "File": { "Root": "/srv/inbox" } } } }
    /// services.AddAkka("ingest", builder => builder.WithLockActors(configuration.GetSection("LockActors")));
    /// </code>
    /// </example>
    public static AkkaConfigurationBuilder WithLockActors(
        this AkkaConfigurationBuilder builder,
        IConfiguration configuration,
        Action<LockActorsOptions>? configure = null,
        Action<LockStoreRegistry>? configureStores = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return WithLockActors(builder, ConfigurationTranslator.ToConfig(configuration), configure, configureStores);
    }

    private static AkkaConfigurationBuilder WithLockActors(
        AkkaConfigurationBuilder builder,
        Config fromConfiguration,
        Action<LockActorsOptions>? configure,
        Action<LockStoreRegistry>? configureStores)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new LockActorsOptions();
        configure?.Invoke(options);

        // Only the keys the caller set; reference.conf stays a fallback (LockActorsExtension injects it at the bottom).
        var hocon = options.ToConfig().WithFallback(fromConfiguration);
        if (!hocon.IsEmpty)
        {
            builder.AddHocon(hocon, HoconAddMode.Prepend);
        }

        if (configureStores is not null)
        {
            builder.AddSetup(new LockActorsSetup(configureStores));
        }

        return builder.WithActors((system, registry) =>
            registry.Register<LockManager>(LockActorsExtension.Get(system).Manager));
    }
}
