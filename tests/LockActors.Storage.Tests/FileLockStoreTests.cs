using System.Text;
using LockActors.Storage.Stores.File;
using LockActors.TestServers.Files;
using Xunit;

namespace LockActors.Storage.Tests;

/// <summary>File-store behaviour beyond the shared contract.</summary>
public sealed class FileLockStoreTests : IDisposable
{
    private static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(10);
    private static readonly SidecarVersion AnyVersion = new("1.2.3.4");
    private readonly string _root = Directory.CreateTempSubdirectory("lockactors-filex-").FullName;
    private readonly SpecialFiles _specialFiles = new();

    [Fact]
    public async Task Target_outside_the_configured_root_is_refused()
    {
        await using var store = new FileLockStore(FileStoreSettings.Default.WithRoot(_root));
        var outside = LockTarget.Parse("file:///tmp/elsewhere-" + Guid.NewGuid().ToString("N") + "/x.csv").Sidecar;
        await Assert.ThrowsAsync<InvalidLockTargetException>(() => store.TryCreateAsync(outside, "x"u8.ToArray()));
    }

    [Fact]
    public async Task Create_leaves_no_temp_files_behind()
    {
        await using var store = new FileLockStore();
        var key = KeyFor("a.csv");
        var v = await store.TryCreateAsync(key, "one"u8.ToArray());
        Assert.Null(await store.TryCreateAsync(key, "two"u8.ToArray()));
        var v2 = await store.TryReplaceAsync(key, "three"u8.ToArray(), v!.Value);
        Assert.NotNull(v2);
        Assert.Equal(new[] { "a.csv.lock" }, Directory.GetFiles(_root).Select(f => Path.GetFileName(f)).ToArray());
        Assert.Equal("three", Encoding.UTF8.GetString(await File.ReadAllBytesAsync(key.Path)));
    }

    [Fact]
    public async Task Create_uses_an_unnamed_file_where_the_file_system_allows_it_and_the_temp_name_path_otherwise()
    {
        // The temp directory is ext4 or tmpfs here, both with O_TMPFILE: the conformance suite runs on that path, and
        // TempNameFileLockStoreConformanceTests on the other.
        await using var store = new FileLockStore();
        await AssertFullCycle(store, KeyFor("unnamed.csv"));
        Assert.True(store.UnnamedTempFiles);

        await using var fallback = new FileLockStore { UnnamedTempFiles = false };
        await AssertFullCycle(fallback, KeyFor("named.csv"));
        Assert.Empty(Directory.GetFileSystemEntries(_root));
    }

    [Fact]
    public async Task Sidecar_replaced_by_a_foreign_process_is_not_overwritten_or_deleted()
    {
        await using var store = new FileLockStore();
        var key = KeyFor("b.csv");
        var v = (await store.TryCreateAsync(key, "mine"u8.ToArray()))!.Value;
        File.Delete(key.Path);
        await File.WriteAllTextAsync(key.Path, "foreign");
        Assert.Null(await store.TryReplaceAsync(key, "again"u8.ToArray(), v));
        Assert.False(await store.TryDeleteAsync(key, v));
        Assert.Equal("foreign", await File.ReadAllTextAsync(key.Path));
    }

    [Theory]
    [MemberData(nameof(SpecialFiles.Kinds), MemberType = typeof(SpecialFiles))]
    public async Task Sidecar_that_is_not_a_regular_file_is_refused_by_every_primitive_without_blocking_or_following_it(SpecialFile kind)
    {
        await using var store = new FileLockStore();
        var key = KeyFor($"{kind}.csv");
        if (!_specialFiles.Plant(kind, key.Path))
        {
            return; // mknod needs CAP_MKNOD; the symlink-to-/dev/null case still covers a device behind the name
        }

        var before = Describe(key.Path);

        // Create answers "exists" and touches nothing (link(2) never follows its new name).
        Assert.Null(await store.TryCreateAsync(key, "{}"u8.ToArray()).WaitAsync(HangLimit));

        // Read, replace and delete all see the same typed refusal: TryAcquire, Acquire and GetInfo agree on it.
        var read = await Assert.ThrowsAsync<SidecarNotRegularFileException>(() => store.ReadAsync(key).WaitAsync(HangLimit));
        Assert.Equal(key, read.Key);
        Assert.IsNotAssignableFrom<CorruptSidecarException>(read);
        await Assert.ThrowsAsync<SidecarNotRegularFileException>(() => store.TryReplaceAsync(key, "{}"u8.ToArray(), AnyVersion).WaitAsync(HangLimit));
        await Assert.ThrowsAsync<SidecarNotRegularFileException>(() => store.TryDeleteAsync(key, AnyVersion).WaitAsync(HangLimit));

        Assert.Equal(before, Describe(key.Path));
        if (kind == SpecialFile.SymlinkToSidecarFile)
        {
            Assert.Equal("{\"not\":\"followed\"}", await File.ReadAllTextAsync(Path.Combine(_root, "elsewhere.lock")));
        }
    }

    [Fact]
    public async Task Sidecar_name_of_250_bytes_can_be_locked()
    {
        // The old temp name (".<sidecar>.<12 hex>.tmp") was 18 bytes longer than the sidecar and failed at ~233.
        await using var store = new FileLockStore();
        var key = KeyFor(new string('n', 250 - 4 - SidecarLimits.Suffix.Length) + ".csv");
        Assert.Equal(250, Encoding.UTF8.GetByteCount(Path.GetFileName(key.Path)));
        await AssertFullCycle(store, key);
    }

    [Fact]
    public async Task Sidecar_name_of_exactly_NAME_MAX_bytes_can_be_locked_and_one_more_is_an_invalid_target()
    {
        await using var store = new FileLockStore();
        var multiByte = new string('é', 100); // 200 bytes: the limit counts bytes, not characters
        var key = KeyFor(multiByte + new string('n', 255 - 200 - 4 - SidecarLimits.Suffix.Length) + ".csv");
        Assert.Equal(255, Encoding.UTF8.GetByteCount(Path.GetFileName(key.Path)));
        await AssertFullCycle(store, key);

        var tooLong = KeyFor(multiByte + new string('n', 256 - 200 - 4 - SidecarLimits.Suffix.Length) + ".csv");
        await Assert.ThrowsAsync<InvalidLockTargetException>(() => store.TryCreateAsync(tooLong, "x"u8.ToArray()));
        await Assert.ThrowsAsync<InvalidLockTargetException>(() => store.ReadAsync(tooLong));
    }

    [Fact]
    public void Temp_names_are_short_and_of_fixed_length_in_the_sidecar_directory()
    {
        var sidecar = Path.Combine(_root, new string('n', 250));
        var temps = Enumerable.Range(0, 100).Select(_ => FileLockStore.TempNameFor(sidecar)).ToArray();
        Assert.All(temps, t => Assert.Equal(_root, Path.GetDirectoryName(t)));
        Assert.Single(temps.Select(t => Path.GetFileName(t).Length).Distinct());
        Assert.True(Path.GetFileName(temps[0]).Length <= 32, temps[0]);
        Assert.Equal(temps.Length, temps.Distinct().Count());
    }

    [Fact]
    public async Task Directory_path_that_loops_through_symlinks_is_a_typed_location_error()
    {
        await using var store = new FileLockStore();
        File.CreateSymbolicLink(Path.Combine(_root, "loop"), Path.Combine(_root, "loop"));
        var key = LockTarget.Parse(new Uri(Path.Combine(_root, "loop", "x.csv")).AbsoluteUri).Sidecar;
        await Assert.ThrowsAsync<StoreLocationNotFoundException>(() => store.TryCreateAsync(key, "x"u8.ToArray()));
        await Assert.ThrowsAsync<StoreLocationNotFoundException>(() => store.ReadAsync(key));
        await Assert.ThrowsAsync<StoreLocationNotFoundException>(() => store.TryReplaceAsync(key, "x"u8.ToArray(), AnyVersion));
        await Assert.ThrowsAsync<StoreLocationNotFoundException>(() => store.TryDeleteAsync(key, AnyVersion));
    }

    [Fact]
    public async Task Oversized_sidecar_is_read_without_loading_it_whole()
    {
        await using var store = new FileLockStore();
        var key = KeyFor("huge.csv");
        await using (var huge = new FileStream(key.Path, FileMode.CreateNew))
        {
            huge.SetLength(1L << 32); // 4 GiB sparse: reading it whole would fail or take ages
        }

        var read = await store.ReadAsync(key).WaitAsync(HangLimit);
        Assert.Equal(SidecarLimits.MaxBytes + 1, read!.Content.Length);
        var error = Assert.Throws<SidecarTooLargeException>(() => LockMetadataCodec.Decode(key, read.Content.Span));
        Assert.Equal(SidecarLimits.MaxBytes + 1, error.Length);
        Assert.NotNull(await store.TryReplaceAsync(key, "taken"u8.ToArray(), read.Version));
    }

    public void Dispose()
    {
        _specialFiles.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    private static async Task AssertFullCycle(FileLockStore store, SidecarKey key)
    {
        var v1 = await store.TryCreateAsync(key, "one"u8.ToArray());
        Assert.NotNull(v1);
        var read = await store.ReadAsync(key);
        Assert.Equal(v1, read!.Version);
        var v2 = await store.TryReplaceAsync(key, "two"u8.ToArray(), v1.Value);
        Assert.NotNull(v2);
        Assert.True(await store.TryDeleteAsync(key, v2.Value));
        Assert.Empty(Directory.GetFileSystemEntries(Path.GetDirectoryName(key.Path)!, ".lockactors-*"));
    }

    private SidecarKey KeyFor(string name) => LockTarget.Parse(new Uri(Path.Combine(_root, name)).AbsoluteUri).Sidecar;

    private static string Describe(string path)
    {
        // lstat: the name itself (inode and kind), plus where a link points; any touch of the name changes one of them.
        var stat = FileWire.StatAt(path, out var errno);
        return $"{stat}/{errno}/{new FileInfo(path).LinkTarget}";
    }
}
