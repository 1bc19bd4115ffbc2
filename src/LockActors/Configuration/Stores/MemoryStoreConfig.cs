using Akka.Configuration;
using LockActors.Storage;
using LockActors.Storage.Stores.Memory;

namespace LockActors.Configuration.Stores;

/// <summary>Maps <c>lock-actors.stores.mem</c> onto the in-memory store.</summary>
internal static class MemoryStoreConfig
{
    public static void Register(LockStoreRegistry registry, Config stores)
    {
        var scope = stores.GetString("mem.scope", "process");
        switch (scope)
        {
            case "process":
                registry.Register("mem", () => MemoryLockStore.Shared);
                break;
            case "system":
                registry.Register("mem", () => new MemoryLockStore());
                break;
            default:
                throw ConfigErrors.Invalid("lock-actors.stores.mem.scope", $"must be 'process' or 'system', not '{scope}'.");
        }
    }
}
