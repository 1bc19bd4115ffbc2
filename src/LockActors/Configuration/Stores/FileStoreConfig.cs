using Akka.Configuration;
using LockActors.Storage;
using LockActors.Storage.Stores.File;

namespace LockActors.Configuration.Stores;

/// <summary>Maps <c>lock-actors.stores.file</c> onto <see cref="FileStoreSettings"/>.</summary>
internal static class FileStoreConfig
{
    public static FileStoreSettings Read(Config stores)
    {
        var root = stores.GetString("file.root", string.Empty);
        var timeout = stores.GetTimeSpan("file.check-and-write-timeout", TimeSpan.FromSeconds(5));
        if (timeout <= TimeSpan.Zero)
        {
            const string key = "lock-actors.stores.file.check-and-write-timeout";
            throw new LockConfigurationException(key, $"{key} must be positive.");
        }

        return new FileStoreSettings(string.IsNullOrWhiteSpace(root) ? null : root, timeout);
    }

    public static void Register(LockStoreRegistry registry, Config stores)
    {
        var settings = Read(stores);
        registry.Register("file", () => new FileLockStore(settings));
    }
}
