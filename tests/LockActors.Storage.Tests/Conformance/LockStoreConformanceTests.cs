using System.Text;
using LockActors.Storage;
using Xunit;

namespace LockActors.Storage.Tests.Conformance;

/// <summary>
/// The storage contract every <see cref="ILockStore"/> must honour. Each backend runs this suite unchanged
/// through a small subclass that says how to build the store and where targets live.
/// </summary>
public abstract partial class LockStoreConformanceTests : IAsyncLifetime
{
    /// <summary>Concurrent racers per race test (the contract asks for at least 32).</summary>
    protected virtual int Racers => 32;

    /// <summary>The store under test, built once per test.</summary>
    protected ILockStore Store { get; private set; } = null!;

    /// <summary>Builds a fresh store instance (may share a server with other tests).</summary>
    protected abstract Task<ILockStore> CreateStoreAsync();

    /// <summary>
    /// Another store instance on the same backend and location as <see cref="Store"/>, with its own connections and
    /// clients, as a second process would have. The race tests spread their racers over several of these, because a
    /// store (or server) that serialises requests per connection hides a check-then-act from single-instance races.
    /// The suite disposes what this returns unless it is <see cref="Store"/> itself.
    /// </summary>
    protected abstract Task<ILockStore> CreateIndependentStoreAsync();

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
    public async Task Oversized_sidecar_reads_as_its_first_bytes_with_its_real_version_and_is_left_in_place()
    {
        var key = NewKey();
        var planted = Oversized(seed: 1);
        await WriteRawAsync(key, planted);
        var read = await Store.ReadAsync(key);
        Assert.NotNull(read);
        Assert.Equal(SidecarLimits.MaxBytes + 1, read.Content.Length);
        Assert.True(read.Content.Span.SequenceEqual(planted.AsSpan(0, SidecarLimits.MaxBytes + 1)), "the snapshot must hold the sidecar's first MaxBytes + 1 bytes");
        var error = Assert.Throws<SidecarTooLargeException>(() => LockMetadataCodec.Decode(key, read.Content.Span));
        Assert.Equal(key, error.Key);
        Assert.Null(await Store.TryCreateAsync(key, Bytes("x")));
        var again = await Store.ReadAsync(key);
        Assert.Equal(read.Version, again!.Version);
    }

    [Fact]
    public async Task Oversized_sidecar_is_taken_over_by_replace_with_the_version_read()
    {
        var key = NewKey();
        await WriteRawAsync(key, Oversized(seed: 2));
        var read = (await Store.ReadAsync(key))!;
        var taken = await Store.TryReplaceAsync(key, Bytes("taken over"), read.Version);
        Assert.NotNull(taken);
        var after = await Store.ReadAsync(key);
        Assert.Equal("taken over", Text(after!));
        Assert.Equal(taken, after!.Version);
    }

    [Fact]
    public async Task Oversized_sidecar_is_deleted_with_the_version_read()
    {
        var key = NewKey();
        await WriteRawAsync(key, Oversized(seed: 3));
        var read = (await Store.ReadAsync(key))!;
        Assert.True(await Store.TryDeleteAsync(key, read.Version));
        Assert.Null(await Store.ReadAsync(key));
    }

    [Fact]
    public async Task Oversized_sidecar_is_not_replaced_or_deleted_with_a_stale_version()
    {
        var key = NewKey();
        var before = (await Store.TryCreateAsync(key, Bytes("small")))!.Value;
        await WriteRawAsync(key, Oversized(seed: 4));
        var first = (await Store.ReadAsync(key))!;
        Assert.NotEqual(before, first.Version);
        var replacement = Oversized(seed: 5, extra: 100);
        await WriteRawAsync(key, replacement);
        var current = (await Store.ReadAsync(key))!;
        Assert.NotEqual(first.Version, current.Version);
        foreach (var stale in new[] { before, first.Version })
        {
            Assert.Null(await Store.TryReplaceAsync(key, Bytes("late"), stale));
            Assert.False(await Store.TryDeleteAsync(key, stale));
        }

        var after = (await Store.ReadAsync(key))!;
        Assert.Equal(current.Version, after.Version);
        Assert.True(after.Content.Span.SequenceEqual(replacement.AsSpan(0, SidecarLimits.MaxBytes + 1)));
    }

    [Fact]
    public async Task Oversized_write_is_refused_before_touching_the_store()
    {
        var key = NewKey();
        await Assert.ThrowsAsync<SidecarTooLargeException>(() => Store.TryCreateAsync(key, new byte[SidecarLimits.MaxBytes + 1]));
        Assert.Null(await Store.ReadAsync(key));
        var v1 = (await Store.TryCreateAsync(key, Bytes("one")))!.Value;
        await Assert.ThrowsAsync<SidecarTooLargeException>(() => Store.TryReplaceAsync(key, new byte[SidecarLimits.MaxBytes + 1], v1));
        var read = await Store.ReadAsync(key);
        Assert.Equal("one", Text(read!));
        Assert.Equal(v1, read!.Version);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public async Task Concurrent_creates_have_exactly_one_winner(int instances)
    {
        var key = NewKey();
        await using var stores = await IndependentStoresAsync(instances);
        var results = await Race(i => stores[i].TryCreateAsync(key, Bytes($"racer-{i}")));
        var winners = Enumerable.Range(0, Racers).Where(i => results[i] is not null).ToArray();
        Assert.Single(winners);
        var read = await Store.ReadAsync(key);
        Assert.Equal($"racer-{winners[0]}", Text(read!));
        Assert.Equal(results[winners[0]], read!.Version);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public async Task Concurrent_replaces_of_one_version_have_exactly_one_winner(int instances)
    {
        var key = NewKey();
        var v1 = (await Store.TryCreateAsync(key, Bytes("base")))!.Value;
        await using var stores = await IndependentStoresAsync(instances);
        var results = await Race(i => stores[i].TryReplaceAsync(key, Bytes($"racer-{i}"), v1));
        var winners = Enumerable.Range(0, Racers).Where(i => results[i] is not null).ToArray();
        Assert.Single(winners);
        var read = await Store.ReadAsync(key);
        Assert.Equal($"racer-{winners[0]}", Text(read!));
        Assert.Equal(results[winners[0]], read!.Version);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public async Task Concurrent_deletes_of_one_version_have_exactly_one_winner(int instances)
    {
        var key = NewKey();
        var v1 = (await Store.TryCreateAsync(key, Bytes("base")))!.Value;
        await using var stores = await IndependentStoresAsync(instances);
        var results = await Race(i => stores[i].TryDeleteAsync(key, v1));
        Assert.Equal(1, results.Count(r => r));
        Assert.Null(await Store.ReadAsync(key));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public async Task Concurrent_replaces_and_deletes_of_one_version_have_exactly_one_winner(int instances)
    {
        var key = NewKey();
        var v1 = (await Store.TryCreateAsync(key, Bytes("base")))!.Value;
        await using var stores = await IndependentStoresAsync(instances);
        var results = await Race(async i => i % 2 == 0
            ? await stores[i].TryReplaceAsync(key, Bytes($"racer-{i}"), v1) is not null
            : await stores[i].TryDeleteAsync(key, v1));
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

    /// <summary>
    /// <paramref name="count"/> store instances on the same backend: <see cref="Store"/> and <c>count - 1</c> from
    /// <see cref="CreateIndependentStoreAsync"/>. Racer <c>i</c> uses instance <c>i % count</c>.
    /// </summary>
    protected async Task<StoreInstances> IndependentStoresAsync(int count)
    {
        var stores = new List<ILockStore> { Store };
        for (var i = 1; i < count; i++)
        {
            stores.Add(await CreateIndependentStoreAsync());
        }

        return new StoreInstances(Store, stores);
    }

    private static byte[] Oversized(int seed, int extra = 0)
    {
        // Twice the limit, patterned so that a wrong offset or a short read shows; the seed makes each one different.
        var bytes = new byte[(2 * SidecarLimits.MaxBytes) + 17 + extra];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)('a' + ((i + (seed * 7)) % 26));
        }

        return bytes;
    }

    /// <summary>Store instances racing one backend; disposes all but the suite's own <see cref="Store"/>.</summary>
    protected sealed class StoreInstances(ILockStore shared, IReadOnlyList<ILockStore> stores) : IAsyncDisposable
    {
        /// <summary>The instance racer <paramref name="racer"/> uses.</summary>
        public ILockStore this[int racer] => stores[racer % stores.Count];

        public async ValueTask DisposeAsync()
        {
            foreach (var store in stores.Distinct())
            {
                if (!ReferenceEquals(store, shared))
                {
                    await store.DisposeAsync();
                }
            }
        }
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
