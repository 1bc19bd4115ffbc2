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
        var timeout = ConfigErrors.Read(stores, "file.check-and-write-timeout", "lock-actors.stores.file.check-and-write-timeout",
            k => stores.GetTimeSpan(k, TimeSpan.FromSeconds(5)));
        if (timeout <= TimeSpan.Zero)
        {
            throw ConfigErrors.Invalid("lock-actors.stores.file.check-and-write-timeout", "must be positive.");
        }

        return new FileStoreSettings(string.IsNullOrWhiteSpace(root) ? null : root, timeout);
    }

    public static void Register(LockStoreRegistry registry, Config stores)
    {
        var settings = Read(stores);
        registry.Register("file", () => new FileLockStore(settings));
    }
}
