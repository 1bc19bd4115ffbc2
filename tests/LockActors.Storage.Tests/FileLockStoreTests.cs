using System.Text;
using LockActors.Storage.Stores.File;
using Xunit;

namespace LockActors.Storage.Tests;

/// <summary>File-store behaviour beyond the shared contract.</summary>
public sealed class FileLockStoreTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("lockactors-filex-").FullName;

    [Fact]
    public async Task Target_outside_the_configured_root_is_refused()
    {
        await using var store = new FileLockStore(new FileStoreSettings(Root: _root));
        var outside = LockTarget.Parse("file:///tmp/elsewhere-" + Guid.NewGuid().ToString("N") + "/x.csv").Sidecar;
        await Assert.ThrowsAsync<InvalidLockTargetException>(() => store.TryCreateAsync(outside, "x"u8.ToArray()));
    }

    [Fact]
    public async Task Create_leaves_no_temp_files_behind()
    {
        await using var store = new FileLockStore();
        var key = LockTarget.Parse(new Uri(Path.Combine(_root, "a.csv")).AbsoluteUri).Sidecar;
        var v = await store.TryCreateAsync(key, "one"u8.ToArray());
        Assert.Null(await store.TryCreateAsync(key, "two"u8.ToArray()));
        var v2 = await store.TryReplaceAsync(key, "three"u8.ToArray(), v!.Value);
        Assert.NotNull(v2);
        Assert.Equal(new[] { "a.csv.lock" }, Directory.GetFiles(_root).Select(f => Path.GetFileName(f)).ToArray());
        Assert.Equal("three", Encoding.UTF8.GetString(await File.ReadAllBytesAsync(key.Path)));
    }

    [Fact]
    public async Task Sidecar_replaced_by_a_foreign_process_is_not_overwritten_or_deleted()
    {
        await using var store = new FileLockStore();
        var key = LockTarget.Parse(new Uri(Path.Combine(_root, "b.csv")).AbsoluteUri).Sidecar;
        var v = (await store.TryCreateAsync(key, "mine"u8.ToArray()))!.Value;
        File.Delete(key.Path);
        await File.WriteAllTextAsync(key.Path, "foreign");
        Assert.Null(await store.TryReplaceAsync(key, "again"u8.ToArray(), v));
        Assert.False(await store.TryDeleteAsync(key, v));
        Assert.Equal("foreign", await File.ReadAllTextAsync(key.Path));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
