using LockActors.Storage.Stores.File;
using LockActors.Storage.Tests.Conformance;

namespace LockActors.Storage.Tests.Stores;

public sealed class FileLockStoreConformanceTests : LockStoreConformanceTests, IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("lockactors-file-").FullName;

    protected override Task<ILockStore> CreateStoreAsync() => Task.FromResult<ILockStore>(new FileLockStore(FileStoreSettings.Default.WithRoot(_root)));

    // A second FileLockStore shares nothing in memory with the first: like another process, it meets the others
    // only in the file system (link, flock, rename), which is what the multi-instance races prove.
    protected override Task<ILockStore> CreateIndependentStoreAsync() => CreateStoreAsync();

    protected override string NewTargetUri(string name)
    {
        var dir = Directory.CreateDirectory(Path.Combine(_root, Guid.NewGuid().ToString("N")));
        return new Uri(Path.Combine(dir.FullName, name)).AbsoluteUri;
    }

    protected override string TargetInMissingLocation() => new Uri(Path.Combine(_root, "missing-dir", "x.csv")).AbsoluteUri;

    protected override Task WriteRawAsync(SidecarKey key, byte[] content) => File.WriteAllBytesAsync(key.Path, content);

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
