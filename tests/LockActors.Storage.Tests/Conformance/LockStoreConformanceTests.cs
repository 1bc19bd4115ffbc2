using System.Text;
using LockActors.Storage;
using Xunit;

namespace LockActors.Storage.Tests.Conformance;

/// <summary>
/// The storage contract every <see cref="ILockStore"/> must honour. Each backend runs this suite unchanged
/// through a small subclass that says how to build the store and where targets live.
/// </summary>
public abstract class LockStoreConformanceTests : IAsyncLifetime
{
    /// <summary>Concurrent racers per race test (the contract asks for at least 32).</summary>
    protected virtual int Racers => 32;

    /// <summary>The store under test, built once per test.</summary>
    protected ILockStore Store { get; private set; } = null!;

    /// <summary>Builds a fresh store instance (may share a server with other tests).</summary>
    protected abstract Task<ILockStore> CreateStoreAsync();

    /// <summary>A target URI, unique to this call, whose parent location exists.</summary>
    protected abstract string NewTargetUri(string name);

    /// <summary>A target URI whose bucket or directory does not exist; null for a store without locations (in-memory).</summary>
    protected abstract string? TargetInMissingLocation();

    /// <summary>Writes bytes straight into the backend, bypassing the store (to plant corrupt or huge sidecars).</summary>
    protected abstract Task WriteRawAsync(SidecarKey key, byte[] content);

    public async Task InitializeAsync() => Store = await CreateStoreAsync();

    public async Task DisposeAsync() => await Store.DisposeAsync();

    private SidecarKey NewKey(string name = "target.csv") => LockTarget.Parse(NewTargetUri(name)).Sidecar;

    private static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    private static string Text(SidecarSnapshot s) => Encoding.UTF8.GetString(s.Content.Span);

    [Fact]
    public void Declares_itself_safe_for_locking() => Assert.True(Store.Capabilities.IsSafeForLocking, Store.Capabilities.Mechanism);

    [Fact]
    public async Task Create_on_absent_sidecar_returns_a_version_and_stores_the_bytes()
    {
        var key = NewKey();
        var version = await Store.TryCreateAsync(key, Bytes("{\"a\":1}"));
        Assert.NotNull(version);
        var read = await Store.ReadAsync(key);
        Assert.NotNull(read);
        Assert.Equal("{\"a\":1}", Text(read));
        Assert.Equal(version, read.Version);
    }

    [Fact]
    public async Task Create_on_existing_sidecar_returns_null_and_keeps_the_first_content()
    {
        var key = NewKey();
        var first = await Store.TryCreateAsync(key, Bytes("first"));
        var second = await Store.TryCreateAsync(key, Bytes("second"));
        Assert.NotNull(first);
        Assert.Null(second);
        var read = await Store.ReadAsync(key);
        Assert.Equal("first", Text(read!));
        Assert.Equal(first, read!.Version);
    }

    [Fact]
    public async Task Read_of_absent_sidecar_returns_null() => Assert.Null(await Store.ReadAsync(NewKey()));

    [Fact]
    public async Task Read_reports_store_side_times_that_are_consistent()
    {
        var key = NewKey();
        await Store.TryCreateAsync(key, Bytes("x"));
        var read = await Store.ReadAsync(key);
        Assert.NotNull(read);
        var slack = Store.Capabilities.ClockResolution + TimeSpan.FromSeconds(2);
        Assert.True(read.ModifiedAt <= read.StoreNow + slack, $"modified {read.ModifiedAt:O} is after store now {read.StoreNow:O}");
        Assert.True(read.Age < TimeSpan.FromMinutes(1), $"age {read.Age} of a fresh sidecar");
    }

    [Fact]
    public async Task Replace_with_current_version_succeeds_and_yields_a_new_version()
    {
        var key = NewKey();
        var v1 = (await Store.TryCreateAsync(key, Bytes("one")))!.Value;
        var v2 = await Store.TryReplaceAsync(key, Bytes("two"), v1);
        Assert.NotNull(v2);
        Assert.NotEqual(v1, v2.Value);
        var read = await Store.ReadAsync(key);
        Assert.Equal("two", Text(read!));
        Assert.Equal(v2, read!.Version);
    }

    [Fact]
    public async Task Replace_with_stale_version_fails_and_leaves_the_sidecar_untouched()
    {
        var key = NewKey();
        var v1 = (await Store.TryCreateAsync(key, Bytes("one")))!.Value;
        var v2 = (await Store.TryReplaceAsync(key, Bytes("two"), v1))!.Value;
        Assert.Null(await Store.TryReplaceAsync(key, Bytes("three"), v1));
        var read = await Store.ReadAsync(key);
        Assert.Equal("two", Text(read!));
        Assert.Equal(v2, read!.Version);
    }

    [Fact]
    public async Task Replace_of_absent_sidecar_fails_and_creates_nothing()
    {
        var key = NewKey();
        var v1 = (await Store.TryCreateAsync(key, Bytes("one")))!.Value;
        Assert.True(await Store.TryDeleteAsync(key, v1));
        Assert.Null(await Store.TryReplaceAsync(key, Bytes("ghost"), v1));
        Assert.Null(await Store.ReadAsync(key));
    }

    [Fact]
    public async Task Delete_with_current_version_removes_the_sidecar()
    {
        var key = NewKey();
        var v1 = (await Store.TryCreateAsync(key, Bytes("one")))!.Value;
        Assert.True(await Store.TryDeleteAsync(key, v1));
        Assert.Null(await Store.ReadAsync(key));
    }

    [Fact]
    public async Task Delete_with_stale_version_leaves_the_newer_sidecar_intact()
    {
        var key = NewKey();
        var v1 = (await Store.TryCreateAsync(key, Bytes("one")))!.Value;
        var v2 = (await Store.TryReplaceAsync(key, Bytes("two"), v1))!.Value;
        Assert.False(await Store.TryDeleteAsync(key, v1));
        var read = await Store.ReadAsync(key);
        Assert.Equal("two", Text(read!));
        Assert.Equal(v2, read!.Version);
    }

    [Fact]
    public async Task Delete_of_absent_sidecar_returns_false()
    {
        var key = NewKey();
        var v1 = (await Store.TryCreateAsync(key, Bytes("one")))!.Value;
        Assert.True(await Store.TryDeleteAsync(key, v1));
        Assert.False(await Store.TryDeleteAsync(key, v1));
    }

    [Fact]
    public async Task Create_after_delete_succeeds_with_a_different_version()
    {
        var key = NewKey();
        var v1 = (await Store.TryCreateAsync(key, Bytes("same")))!.Value;
        Assert.True(await Store.TryDeleteAsync(key, v1));
        var v2 = await Store.TryCreateAsync(key, Bytes("again"));
        Assert.NotNull(v2);
        Assert.Equal("again", Text((await Store.ReadAsync(key))!));
    }

    [Fact]
    public async Task Distinct_targets_do_not_interfere()
    {
        var a = NewKey("a.csv");
        var b = NewKey("b.csv");
        Assert.NotNull(await Store.TryCreateAsync(a, Bytes("a")));
        Assert.NotNull(await Store.TryCreateAsync(b, Bytes("b")));
        Assert.Equal("a", Text((await Store.ReadAsync(a))!));
        Assert.Equal("b", Text((await Store.ReadAsync(b))!));
    }

    [Fact]
    public async Task Names_with_spaces_and_unicode_round_trip()
    {
        var key = NewKey("dir name é ü/日本 file+1.csv".Replace("/", "_", StringComparison.Ordinal));
        Assert.NotNull(await Store.TryCreateAsync(key, Bytes("u")));
        Assert.Equal("u", Text((await Store.ReadAsync(key))!));
    }

    [Fact]
    public async Task Create_in_missing_location_throws_location_not_found()
    {
        if (TargetInMissingLocation() is not { } missing)
        {
            Assert.False(Store.Capabilities.CrossProcess, "only a process-local store may lack locations");
            return;
        }

        var key = LockTarget.Parse(missing).Sidecar;
        await Assert.ThrowsAsync<StoreLocationNotFoundException>(() => Store.TryCreateAsync(key, Bytes("x")));
    }

    [Fact]
    public async Task Garbage_content_is_returned_as_bytes_for_the_codec_to_judge()
    {
        var key = NewKey();
        await WriteRawAsync(key, Bytes("not json at all"));
        var read = await Store.ReadAsync(key);
        Assert.NotNull(read);
        var error = Assert.Throws<CorruptSidecarException>(() => LockMetadataCodec.Decode(key, read.Content.Span));
        Assert.Equal(key, error.Key);
        Assert.Equal("not json at all", Text((await Store.ReadAsync(key))!));
    }

    [Fact]
    public async Task Oversized_sidecar_is_reported_as_too_large_and_left_in_place()
    {
        var key = NewKey();
        await WriteRawAsync(key, new byte[SidecarLimits.MaxBytes + 1]);
        var error = await Assert.ThrowsAsync<SidecarTooLargeException>(() => Store.ReadAsync(key));
        Assert.Equal(SidecarLimits.MaxBytes + 1, error.Length);
        Assert.Null(await Store.TryCreateAsync(key, Bytes("x")));
    }

    [Fact]
    public async Task Oversized_write_is_refused_before_touching_the_store()
    {
        var key = NewKey();
        await Assert.ThrowsAsync<SidecarTooLargeException>(() => Store.TryCreateAsync(key, new byte[SidecarLimits.MaxBytes + 1]));
        Assert.Null(await Store.ReadAsync(key));
    }

    [Fact]
    public async Task Concurrent_creates_have_exactly_one_winner()
    {
        var key = NewKey();
        var results = await Race(i => Store.TryCreateAsync(key, Bytes($"racer-{i}")));
        var winners = Enumerable.Range(0, Racers).Where(i => results[i] is not null).ToArray();
        Assert.Single(winners);
        var read = await Store.ReadAsync(key);
        Assert.Equal($"racer-{winners[0]}", Text(read!));
        Assert.Equal(results[winners[0]], read!.Version);
    }

    [Fact]
    public async Task Concurrent_replaces_of_one_version_have_exactly_one_winner()
    {
        var key = NewKey();
        var v1 = (await Store.TryCreateAsync(key, Bytes("base")))!.Value;
        var results = await Race(i => Store.TryReplaceAsync(key, Bytes($"racer-{i}"), v1));
        var winners = Enumerable.Range(0, Racers).Where(i => results[i] is not null).ToArray();
        Assert.Single(winners);
        var read = await Store.ReadAsync(key);
        Assert.Equal($"racer-{winners[0]}", Text(read!));
        Assert.Equal(results[winners[0]], read!.Version);
    }

    [Fact]
    public async Task Concurrent_deletes_of_one_version_have_exactly_one_winner()
    {
        var key = NewKey();
        var v1 = (await Store.TryCreateAsync(key, Bytes("base")))!.Value;
        var results = await Race(_ => Store.TryDeleteAsync(key, v1));
        Assert.Equal(1, results.Count(r => r));
        Assert.Null(await Store.ReadAsync(key));
    }

    [Fact]
    public async Task Concurrent_replaces_and_deletes_of_one_version_have_exactly_one_winner()
    {
        var key = NewKey();
        var v1 = (await Store.TryCreateAsync(key, Bytes("base")))!.Value;
        var results = await Race(async i => i % 2 == 0
            ? await Store.TryReplaceAsync(key, Bytes($"racer-{i}"), v1) is not null
            : await Store.TryDeleteAsync(key, v1));
        var winners = Enumerable.Range(0, Racers).Where(i => results[i]).ToArray();
        Assert.Single(winners);
        var read = await Store.ReadAsync(key);
        if (winners[0] % 2 == 0)
        {
            Assert.Equal($"racer-{winners[0]}", Text(read!));
        }
        else
        {
            Assert.Null(read);
        }
    }

    [Fact]
    public async Task Readers_racing_writers_always_see_a_complete_sidecar()
    {
        var key = NewKey();
        var payload = new string('x', 4000);
        var version = (await Store.TryCreateAsync(key, Bytes("0" + payload)))!.Value;
        using var stop = new CancellationTokenSource();
        var torn = 0;
        var reads = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var read = await Store.ReadAsync(key);
                if (read is not null && (read.Content.Length != payload.Length + 1))
                {
                    Interlocked.Increment(ref torn);
                }
            }
        })).ToArray();
        for (var i = 1; i <= 20; i++)
        {
            version = (await Store.TryReplaceAsync(key, Bytes((i % 10) + payload), version))!.Value;
        }

        await stop.CancelAsync();
        await Task.WhenAll(reads);
        Assert.Equal(0, torn);
    }

    /// <summary>Starts <see cref="Racers"/> operations as close to simultaneously as the runtime allows.</summary>
    protected async Task<T[]> Race<T>(Func<int, Task<T>> operation)
    {
        using var start = new ManualResetEventSlim();
        var tasks = Enumerable.Range(0, Racers)
            .Select(i => Task.Factory.StartNew(() =>
            {
                start.Wait();
                return operation(i);
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap())
            .ToArray();
        await Task.Delay(50);
        start.Set();
        return await Task.WhenAll(tasks);
    }
}
