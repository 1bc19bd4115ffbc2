using Akka.Configuration;
using LockActors.Storage;

namespace LockActors.Configuration.Stores;

/// <summary>Builds the scheme → store registry from <c>lock-actors.stores</c>. Each backend registers itself here.</summary>
public static class LockStoreRegistryFactory
{
    /// <summary>A registry with every built-in backend configured from <paramref name="config"/> (root config, reference fallback applied).</summary>
    public static LockStoreRegistry Create(Config config)
    {
        var stores = config.WithFallback(LockActorsSettings.ReferenceConfig).GetConfig("lock-actors.stores");
        var registry = new LockStoreRegistry();
        MemoryStoreConfig.Register(registry, stores);
        FileStoreConfig.Register(registry, stores);
        S3StoreConfig.Register(registry, stores);
        GcsStoreConfig.Register(registry, stores);
        SftpStoreConfig.Register(registry, stores);
        return registry;
    }
}
