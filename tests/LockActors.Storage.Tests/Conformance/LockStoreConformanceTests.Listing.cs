using System.Text;
using Xunit;

namespace LockActors.Storage.Tests.Conformance;

/// <summary>
/// The optional listing capability (<see cref="ILockStoreListing"/>), which every built-in store implements: names
/// of sidecars under a prefix, at any depth, read back with <see cref="ILockStore.ReadAsync"/>.
/// </summary>
public abstract partial class LockStoreConformanceTests
{
    private ILockStoreListing Listing =>
        Store as ILockStoreListing ?? throw new Xunit.Sdk.XunitException($"{Store.GetType().Name} does not implement {nameof(ILockStoreListing)}");

    private static LockPrefix FolderOf(SidecarKey key) =>
        LockPrefix.Parse(key.Target.Normalized[..(key.Target.Normalized.LastIndexOf('/') + 1)]);

    private static LockPrefix ParentOf(LockPrefix folder)
    {
        var trimmed = folder.Normalized.TrimEnd('/');
        return LockPrefix.Parse(trimmed[..(trimmed.LastIndexOf('/') + 1)]);
    }

    private async Task<string[]> ListAsync(LockPrefix prefix)
    {
        var names = new List<string>();
        await foreach (var key in Listing.ListSidecarsAsync(prefix))
        {
            names.Add(key.Target.Normalized);
        }

        return names.ToArray();
    }

    [Fact]
    public async Task Listing_names_every_sidecar_under_a_folder_and_nothing_outside_it()
    {
        var a = NewKey("a.csv");
        var folder = FolderOf(a);
        var b = LockTarget.Parse(folder.Normalized + "b.csv").Sidecar;
        var elsewhere = NewKey("a.csv");
        foreach (var key in new[] { a, b, elsewhere })
        {
            Assert.NotNull(await Store.TryCreateAsync(key, Encoding.UTF8.GetBytes(key.ToString())));
        }

        Assert.Equal(new[] { a.Target.Normalized, b.Target.Normalized }, (await ListAsync(folder)).Order(StringComparer.Ordinal));
        Assert.Equal(new[] { b.Target.Normalized }, await ListAsync(LockPrefix.Parse(folder.Normalized + "b")));
    }

    [Fact]
    public async Task Listing_a_prefix_of_another_scheme_is_refused_with_a_typed_error_or_finds_nothing()
    {
        var key = NewKey("a.csv");
        await Store.TryCreateAsync(key, "a"u8.ToArray());
        var scheme = key.Target.Scheme == "s3" ? "gs" : "s3";
        var foreign = LockPrefix.Parse($"{scheme}://{(key.Target.Authority.Length > 0 ? key.Target.Authority : "bucket")}/");
        try
        {
            Assert.Empty(await ListAsync(foreign)); // a store serving several schemes keeps them apart
        }
        catch (InvalidLockTargetException error)
        {
            Assert.Contains(foreign.Normalized, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Listing_a_parent_prefix_includes_sidecars_in_subfolders()
    {
        var one = NewKey("one.csv");
        var two = NewKey("two.csv");
        await Store.TryCreateAsync(one, "1"u8.ToArray());
        await Store.TryCreateAsync(two, "2"u8.ToArray());
        var parent = ParentOf(FolderOf(one));
        Assert.Equal(parent.Normalized, ParentOf(FolderOf(two)).Normalized);

        var listed = await ListAsync(parent);
        Assert.Contains(one.Target.Normalized, listed);
        Assert.Contains(two.Target.Normalized, listed);
    }

    [Fact]
    public async Task Listing_an_empty_or_missing_folder_names_nothing()
    {
        var folder = FolderOf(NewKey());
        Assert.Empty(await ListAsync(folder));
        Assert.Empty(await ListAsync(LockPrefix.Parse(folder.Normalized + "missing-" + Guid.NewGuid().ToString("N") + "/")));
    }

    [Fact]
    public async Task Listed_keys_read_back_and_a_deleted_sidecar_is_gone_or_reads_as_absent()
    {
        var kept = NewKey("kept.csv");
        var folder = FolderOf(kept);
        var deleted = LockTarget.Parse(folder.Normalized + "deleted.csv").Sidecar;
        await Store.TryCreateAsync(kept, "kept"u8.ToArray());
        var version = (await Store.TryCreateAsync(deleted, "deleted"u8.ToArray()))!.Value;
        Assert.True(await Store.TryDeleteAsync(deleted, version));

        var present = new List<string>();
        await foreach (var key in Listing.ListSidecarsAsync(folder))
        {
            if (await Store.ReadAsync(key) is { } snapshot)
            {
                present.Add(key.Target.Normalized + "=" + Encoding.UTF8.GetString(snapshot.Content.Span));
            }
        }

        Assert.Equal(new[] { kept.Target.Normalized + "=kept" }, present);
    }

    [Fact]
    public async Task Listing_round_trips_names_with_spaces_and_unicode()
    {
        var key = NewKey("r\u00e9sum\u00e9 final %231.csv");
        await Store.TryCreateAsync(key, "x"u8.ToArray());
        Assert.Equal(new[] { key.Target.Normalized }, await ListAsync(FolderOf(key)));
    }
}
