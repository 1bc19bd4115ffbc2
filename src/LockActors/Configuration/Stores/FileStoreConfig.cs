using Akka.Configuration;
using LockActors.Storage;
using LockActors.Storage.Stores.File;

namespace LockActors.Configuration.Stores;

/// <summary>Maps <c>lock-actors.stores.file</c> onto <see cref="FileStoreSettings"/>, through its <c>With*</c> copies only.</summary>
internal static class FileStoreConfig
{
    public static FileStoreSettings Read(Config stores)
    {
        var timeout = ConfigErrors.Read(stores, "file.check-and-write-timeout", "lock-actors.stores.file.check-and-write-timeout",
            k => stores.GetTimeSpan(k, FileStoreSettings.Default.CheckAndWriteTimeout));
        var inlineIo = ConfigErrors.Read(stores, "file.inline-io", "lock-actors.stores.file.inline-io",
            k => stores.GetBoolean(k, FileStoreSettings.Default.InlineIo));
        return StoreSectionReader.Read("lock-actors.stores.file", stores, () => FileStoreSettings.Default
            .WithRoot(stores.GetString("file.root", string.Empty))
            .WithCheckAndWriteTimeout(timeout)
            .WithInlineIo(inlineIo));
    }

    public static void Register(LockStoreRegistry registry, Config stores)
    {
        var settings = Read(stores);
        registry.Register("file", () => new FileLockStore(settings));
    }
}
