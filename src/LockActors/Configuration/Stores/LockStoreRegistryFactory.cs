using Akka.Configuration;
using LockActors.Storage;

namespace LockActors.Configuration.Stores;

/// <summary>
/// Builds the scheme → store registry from <c>lock-actors.stores</c>: <c>mem</c> and <c>file</c> are built in; every
/// other section names the <see cref="LockStoreProvider"/> of its backend package in <c>provider</c>. Every section's
/// keys are checked against its defaults (the core reference.conf for the built-in stores, the provider's
/// <see cref="LockStoreProvider.Defaults"/> plus <c>provider</c> for the others), so a misspelled key fails here.
/// </summary>
internal static class LockStoreRegistryFactory
{
    private const string ProviderKey = "provider";

    private static class BuiltIn
    {
        public const string Memory = "mem";
        public const string File = "file";
    }

    /// <summary>A registry configured from <paramref name="config"/> (root config; the reference defaults are applied).</summary>
    public static LockStoreRegistry Create(Config config)
    {
        var stores = config.WithFallback(LockActorsSettings.ReferenceConfig).GetConfig("lock-actors.stores");
        var builtIn = LockActorsSettings.ReferenceConfig.GetConfig("lock-actors.stores");
        var registry = new LockStoreRegistry();
        foreach (var scheme in stores.AsEnumerable().Select(e => e.Key).Distinct(StringComparer.Ordinal))
        {
            if (!stores.GetValue(scheme).IsObject())
            {
                throw ConfigErrors.Invalid($"lock-actors.stores.{scheme}", "must be a section { ... } holding the store's settings.");
            }

            var section = stores.GetConfig(scheme);
            if (scheme is BuiltIn.Memory or BuiltIn.File)
            {
                ConfigKeys.CheckStore(scheme, section, builtIn.GetConfig(scheme));
                continue;
            }

            var provider = Provider(scheme, section.GetString(ProviderKey, string.Empty));
            ConfigKeys.CheckStore(scheme, section, provider.Defaults, ProviderKey);
            registry.Register(scheme, Configure(provider, scheme, section.WithFallback(provider.Defaults)));
        }

        MemoryStoreConfig.Register(registry, stores);
        FileStoreConfig.Register(registry, stores);
        return registry;
    }

    private static LockStoreProvider Provider(string scheme, string typeName)
    {
        var key = $"lock-actors.stores.{scheme}.{ProviderKey}";
        if (string.IsNullOrWhiteSpace(typeName))
        {
            var nearest = Spelling.Nearest(scheme, [BuiltIn.Memory, BuiltIn.File]);
            var hint = nearest is null ? string.Empty : $" (did you mean lock-actors.stores.{nearest}?)";
            throw ConfigErrors.Invalid(key,
                $"is not set{hint}: a store other than mem:// and file:// comes from a backend package, which names its " +
                "provider (for example \"LockActors.S3.S3LockStoreProvider, LockActors.S3\"), or is added with its Hosting extension " +
                "(for example options.UseS3()).");
        }

        var type = Type.GetType(typeName.Trim(), throwOnError: false)
            ?? throw ConfigErrors.Invalid(key, $"= \"{typeName}\": no such type is loaded; reference the backend's package.");
        if (!typeof(LockStoreProvider).IsAssignableFrom(type) || type.GetConstructor(Type.EmptyTypes) is null)
        {
            throw ConfigErrors.Invalid(key, $"= \"{typeName}\" is not a {nameof(LockStoreProvider)} with a public parameterless constructor.");
        }

        return (LockStoreProvider)Activator.CreateInstance(type)!;
    }

    /// <summary>
    /// The provider's store factory. A provider that reports a bad value with an <see cref="ArgumentException"/> is
    /// given the common configuration error, keyed by its parameter name when that is a full path, else by the section.
    /// </summary>
    private static Func<ILockStore> Configure(LockStoreProvider provider, string scheme, Config section)
    {
        try
        {
            return provider.Configure(scheme, section);
        }
        catch (ArgumentException e)
        {
            var key = e.ParamName is { } name && name.StartsWith("lock-actors.", StringComparison.Ordinal) ? name : $"lock-actors.stores.{scheme}";
            throw new LockConfigurationException(key, e.Message, e);
        }
    }
}
