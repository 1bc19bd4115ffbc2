using LockActors.Storage.Stores.File;
using LockActors.Storage.Tests.Conformance;
using Xunit;

namespace LockActors.Storage.Tests.Stores;

/// <summary>The shared conformance suite on file:// with the default settings (system calls on a pool thread).</summary>
public sealed class FileLockStoreConformanceTests : FileLockStoreConformance
{
    protected override bool InlineIo => false;
}

/// <summary>The shared conformance suite on file:// creating through a named temp file (file systems without O_TMPFILE).</summary>
public sealed class TempNameFileLockStoreConformanceTests : FileLockStoreConformance
{
    protected override bool InlineIo => false;

    protected override bool UnnamedTempFiles => false;
}

/// <summary>The shared conformance suite on file:// with <c>inline-io = on</c> (system calls on the calling thread).</summary>
public sealed class InlineIoFileLockStoreConformanceTests : FileLockStoreConformance
{
    protected override bool InlineIo => true;

    [Fact]
    public async Task Inline_io_completes_every_uncontended_operation_before_returning()
    {
        await using var store = await CreateStoreAsync();
        var key = LockTarget.Parse(NewTargetUri("inline.csv")).Sidecar;
        byte[] content = [1, 2, 3];
        var create = store.TryCreateAsync(key, content);
        Assert.True(create.IsCompletedSuccessfully);
        var read = store.ReadAsync(key);
        Assert.True(read.IsCompletedSuccessfully);
        var delete = store.TryDeleteAsync(key, (await create)!.Value);
        Assert.True(delete.IsCompletedSuccessfully);
        Assert.True(await delete);
    }
}

/// <summary>How the file:// conformance classes build the store and their targets, under a fresh temporary root.</summary>
public abstract class FileLockStoreConformance : LockStoreConformanceTests, IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("lockactors-file-").FullName;

    /// <summary>The store's <see cref="FileStoreSettings.InlineIo"/>.</summary>
    protected abstract bool InlineIo { get; }

    /// <summary>False: every create takes the temp-name path (<see cref="FileLockStore.UnnamedTempFiles"/>).</summary>
    protected virtual bool UnnamedTempFiles => true;

    protected override Task<ILockStore> CreateStoreAsync() =>
        Task.FromResult<ILockStore>(new FileLockStore(FileStoreSettings.Default.WithRoot(_root).WithInlineIo(InlineIo)) { UnnamedTempFiles = UnnamedTempFiles });

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

    public void Dispose()
    {
        Directory.Delete(_root, recursive: true);
        GC.SuppressFinalize(this);
    }
}
