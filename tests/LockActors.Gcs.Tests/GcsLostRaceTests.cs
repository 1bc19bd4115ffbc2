using System.Net;
using System.Text;
using LockActors.Gcs;
using LockActors.TestServers.Gcs;
using Xunit;

namespace LockActors.Gcs.Tests;

/// <summary>
/// A 412 conditionNotMet is a definite lost race on gs://, never retried into an outage, also when the contended
/// object flips between present and absent; oversized objects are readable and can be taken over by generation;
/// hostile replies end as typed errors.
/// </summary>
public sealed class GcsLostRaceTests(GcsTestEmulator fixture) : IClassFixture<GcsTestEmulator>, IAsyncLifetime
{
    private GcsEmulator Emulator => fixture.Emulator;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Emulator.Faults.Clear();
        return Task.CompletedTask;
    }

    private static SidecarKey NewKey() => LockTarget.Parse(GcsTestEmulator.NewTargetUri("race.csv")).Sidecar;

    private static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    /// <summary>Runs <paramref name="before"/> ahead of every request the store sends, then forwards it.</summary>
    private sealed class Interleave(Action<HttpRequestMessage> before) : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            before(request);
            return base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>Answers every request with <paramref name="reply"/> (a hostile or broken server).</summary>
    private sealed class Canned(Func<HttpRequestMessage, HttpResponseMessage> reply) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(reply(request));
    }

    [Fact]
    public async Task Create_after_an_unknown_outcome_that_meets_a_flipping_object_is_a_lost_race_not_an_outage()
    {
        // Our first upload fails (503, not applied). From then on every upload meets another holder (412) who has
        // released (deleted) before each of our metadata reads: the interleaving a contended object produces.
        var key = NewKey();
        var uploads = 0;
        using var http = new HttpClient(new Interleave(request =>
        {
            if (request.Method == HttpMethod.Post && Interlocked.Increment(ref uploads) > 1)
            {
                Emulator.PutObject(key.Authority, key.ObjectName, Bytes($"theirs-{uploads}"));
            }
            else if (request.Method == HttpMethod.Get)
            {
                Emulator.DeleteObject(key.Authority, key.ObjectName);
            }
        }));
        await using var store = new GcsLockStore(fixture.Settings, http);
        Emulator.Faults.FailNext(1, 503, GcsFaultTiming.BeforeApply, method: "POST");
        Assert.Null(await store.TryCreateAsync(key, Bytes("mine")));
        Assert.Equal(2, uploads); // the unknown first attempt, one re-send, then decided: no loop into StoreUnavailable
    }

    [Fact]
    public async Task Refused_create_whose_winner_has_released_is_null_after_one_metadata_read()
    {
        var key = NewKey();
        using var http = new HttpClient(new Interleave(request =>
        {
            if (request.Method == HttpMethod.Post)
            {
                Emulator.PutObject(key.Authority, key.ObjectName, Bytes("theirs"));
            }
            else if (request.Method == HttpMethod.Get)
            {
                Emulator.DeleteObject(key.Authority, key.ObjectName);
            }
        }));
        await using var store = new GcsLockStore(fixture.Settings, http);
        Emulator.ResetCounters();
        Assert.Null(await store.TryCreateAsync(key, Bytes("mine")));
        Assert.Equal(2, Emulator.RequestCount);
    }

    [Fact]
    public async Task Oversized_object_reads_as_its_first_MaxBytes_plus_one_bytes_and_is_taken_over_by_its_generation()
    {
        await using var store = new GcsLockStore(fixture.Settings);
        var key = NewKey();
        var huge = new byte[SidecarLimits.MaxBytes * 3];
        Random.Shared.NextBytes(huge);
        var generation = Emulator.PutObject(key.Authority, key.ObjectName, huge);

        var snapshot = (await store.ReadAsync(key))!;
        Assert.Equal(SidecarLimits.MaxBytes + 1, snapshot.Content.Length);
        Assert.True(snapshot.Content.Span.SequenceEqual(huge.AsSpan(0, SidecarLimits.MaxBytes + 1)));
        Assert.Equal(generation, GcsLockStore.GenerationOf(snapshot.Version));
        Assert.Throws<SidecarTooLargeException>(() => LockMetadataCodec.Decode(key, snapshot.Content.Span));
        Assert.Null(await store.TryCreateAsync(key, Bytes("{\"mine\":1}")));

        var taken = await store.TryReplaceAsync(key, Bytes("{\"takeover\":1}"), snapshot.Version);
        Assert.NotNull(taken);
        Assert.Equal("{\"takeover\":1}", Encoding.UTF8.GetString(Emulator.GetObject(key.Authority, key.ObjectName)!.Value.Content));

        var other = NewKey();
        Emulator.PutObject(other.Authority, other.ObjectName, huge);
        Assert.True(await store.TryDeleteAsync(other, (await store.ReadAsync(other))!.Version));
        Assert.Null(Emulator.GetObject(other.Authority, other.ObjectName));
        await Assert.ThrowsAsync<SidecarTooLargeException>(() => store.TryCreateAsync(NewKey(), new byte[SidecarLimits.MaxBytes + 1]));
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"generation\":\"99999999999999999999999\",\"updated\":\"2026-01-01T00:00:00Z\"}")]
    [InlineData("{\"generation\":\"-5\",\"updated\":\"2026-01-01T00:00:00Z\"}")]
    [InlineData("{\"generation\":\"7\",\"updated\":\"yesterday\"}")]
    public async Task Hostile_object_resource_is_a_typed_outage_never_an_untyped_crash(string body)
    {
        using var http = new HttpClient(new Canned(request => new HttpResponseMessage(HttpStatusCode.OK)
        {
            RequestMessage = request,
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        }));
        await using var store = new GcsLockStore(fixture.Settings, http);
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.TryCreateAsync(NewKey(), Bytes("mine")));
    }
}
