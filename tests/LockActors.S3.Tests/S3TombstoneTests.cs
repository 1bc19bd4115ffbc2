using System.Text;
using Amazon.S3.Model;
using LockActors.S3;
using Xunit;
using LockActors.TestServers.S3;

namespace LockActors.S3.Tests;

/// <summary>Tombstone releases (Ceph RGW ignores DELETE If-Match) are invisible to the contract and interoperate with native-mode stores.</summary>
public sealed class S3TombstoneTests : IAsyncLifetime
{
    private readonly S3LockStore _tombstones = S3TestServer.NewStore(S3TestServer.Settings().WithConditionalDelete(S3ConditionalDeleteMode.Tombstone));

    public Task InitializeAsync() => _tombstones.ProbeAsync(S3TestServer.Bucket);

    public async Task DisposeAsync() => await _tombstones.DisposeAsync();

    private static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    private static SidecarKey NewKey() => LockTarget.Parse(S3TestServer.NewTargetUri("t.csv")).Sidecar;

    private static async Task<string?> RawBodyAsync(SidecarKey key)
    {
        using var client = S3TestServer.RawClient();
        using var response = await client.GetObjectAsync(new GetObjectRequest { BucketName = key.Authority, Key = key.ObjectName });
        using var reader = new StreamReader(response.ResponseStream);
        return await reader.ReadToEndAsync();
    }

    [Fact]
    public async Task Release_leaves_a_tombstone_object_that_reads_as_absent()
    {
        var key = NewKey();
        var v1 = (await _tombstones.TryCreateAsync(key, Bytes("{\"lock\":1}")))!.Value;
        Assert.True(await _tombstones.TryDeleteAsync(key, v1));
        Assert.Null(await _tombstones.ReadAsync(key));
        var raw = await RawBodyAsync(key);
        Assert.StartsWith("{\"lockActorsReleased\":1,", raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replace_against_a_tombstone_fails_and_leaves_it_released()
    {
        var key = NewKey();
        var v1 = (await _tombstones.TryCreateAsync(key, Bytes("{\"lock\":1}")))!.Value;
        Assert.True(await _tombstones.TryDeleteAsync(key, v1));
        Assert.Null(await _tombstones.TryReplaceAsync(key, Bytes("{\"lock\":2}"), v1));
        Assert.Null(await _tombstones.ReadAsync(key));
    }

    [Fact]
    public async Task Every_release_writes_a_distinct_tombstone()
    {
        var key = NewKey();
        var seen = new HashSet<string>();
        for (var i = 0; i < 3; i++)
        {
            var v = (await _tombstones.TryCreateAsync(key, Bytes($"{{\"lock\":{i}}}")))!.Value;
            Assert.True(await _tombstones.TryDeleteAsync(key, v));
            Assert.True(seen.Add((await RawBodyAsync(key))!));
        }
    }

    [Fact]
    public async Task Racing_acquires_over_a_tombstone_have_exactly_one_winner()
    {
        var key = NewKey();
        var v1 = (await _tombstones.TryCreateAsync(key, Bytes("{\"lock\":0}")))!.Value;
        Assert.True(await _tombstones.TryDeleteAsync(key, v1));
        var stores = Enumerable.Range(0, 4).Select(_ => S3TestServer.NewStore(S3TestServer.Settings())).ToArray();
        try
        {
            var results = await Task.WhenAll(Enumerable.Range(0, 32).Select(i => stores[i % 4].TryCreateAsync(key, Bytes($"{{\"racer\":{i}}}"))));
            var winner = Assert.Single(results.Select((v, i) => (v, i)), r => r.v is not null);
            Assert.Equal($"{{\"racer\":{winner.i}}}", Encoding.UTF8.GetString((await _tombstones.ReadAsync(key))!.Content.Span));
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_native_delete_store_acquires_over_a_tombstone_left_by_a_tombstone_store()
    {
        await using var native = S3TestServer.NewStore(S3TestServer.Settings().WithConditionalDelete(S3ConditionalDeleteMode.Native), new ConditionalDeleteEmulator());
        var key = NewKey();
        var v1 = (await _tombstones.TryCreateAsync(key, Bytes("{\"lock\":1}")))!.Value;
        Assert.True(await _tombstones.TryDeleteAsync(key, v1));
        Assert.Null(await native.ReadAsync(key));
        var v2 = await native.TryCreateAsync(key, Bytes("{\"lock\":2}"));
        Assert.NotNull(v2);
        Assert.True(await native.TryDeleteAsync(key, v2.Value));
        Assert.Null(await _tombstones.ReadAsync(key));
        Assert.NotNull(await _tombstones.TryCreateAsync(key, Bytes("{\"lock\":3}")));
    }

    [Fact]
    public async Task Read_times_come_from_the_server_clock_at_one_second_resolution()
    {
        var key = NewKey();
        await _tombstones.TryCreateAsync(key, Bytes("{\"lock\":1}"));
        var read = (await _tombstones.ReadAsync(key))!;
        // HTTP Date and Last-Modified carry whole seconds; a local clock reading would almost never be whole.
        Assert.Equal(0, read.StoreNow.UtcTicks % TimeSpan.TicksPerSecond);
        Assert.Equal(0, read.ModifiedAt.UtcTicks % TimeSpan.TicksPerSecond);
        Assert.Equal(TimeSpan.FromSeconds(1), _tombstones.Capabilities.ClockResolution);
        Assert.Equal(StoreClock.Server, _tombstones.Capabilities.Clock);
    }
}
