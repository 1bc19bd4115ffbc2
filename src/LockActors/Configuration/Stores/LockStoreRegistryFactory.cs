using Akka.Configuration;
using LockActors.Storage;

namespace LockActors.Configuration.Stores;

/// <summary>
/// Builds the scheme → store registry from <c>lock-actors.stores</c>: <c>mem</c> and <c>file</c> are built in; every
/// other section names the <see cref="LockStoreProvider"/> of its backend package in <c>provider</c>.
/// </summary>
internal static class LockStoreRegistryFactory
{
    private const string ProviderKey = "provider";

    /// <summary>A registry configured from <paramref name="config"/> (root config; the reference defaults are applied).</summary>
    public static LockStoreRegistry Create(Config config)
    {
        var stores = config.WithFallback(LockActorsSettings.ReferenceConfig).GetConfig("lock-actors.stores");
        var registry = new LockStoreRegistry();
        MemoryStoreConfig.Register(registry, stores);
        FileStoreConfig.Register(registry, stores);
        foreach (var scheme in stores.AsEnumerable().Select(e => e.Key.Split('.')[0]).Distinct(StringComparer.Ordinal))
        {
            if (scheme is "mem" or "file")
            {
                continue;
            }

            var section = stores.GetConfig(scheme);
            var provider = Provider(scheme, section.GetString(ProviderKey, string.Empty));
            registry.Register(scheme, Configure(provider, scheme, section.WithFallback(provider.Defaults)));
        }

        return registry;
    }

    private static LockStoreProvider Provider(string scheme, string typeName)
    {
        var key = $"lock-actors.stores.{scheme}.{ProviderKey}";
        if (string.IsNullOrWhiteSpace(typeName))
        {
            throw new LockConfigurationException(key,
                $"{key} is not set: a store other than mem:// and file:// comes from a backend package, which names its " +
                $"provider (for example \"LockActors.S3.S3LockStoreProvider, LockActors.S3\"), or is added with its Hosting extension.");
        }

        var type = Type.GetType(typeName.Trim(), throwOnError: false)
            ?? throw new LockConfigurationException(key, $"{key} = \"{typeName}\": no such type is loaded; reference the backend's package.");
        if (!typeof(LockStoreProvider).IsAssignableFrom(type) || type.GetConstructor(Type.EmptyTypes) is null)
        {
            throw new LockConfigurationException(key, $"{key} = \"{typeName}\" is not a {nameof(LockStoreProvider)} with a public parameterless constructor.");
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
