using System.Diagnostics;
using System.Text;
using LockActors.Gcs;
using LockActors.TestServers.Gcs;
using Xunit;
using Xunit.Abstractions;
using LockActors.Storage.Backends;

namespace LockActors.Gcs.Tests;

/// <summary>The gs:// store beyond the shared contract: request counts, encoding, faults, credentials, missing bucket.</summary>
public sealed class GcsLockStoreTests(GcsTestEmulator fixture, ITestOutputHelper output) : IClassFixture<GcsTestEmulator>, IAsyncLifetime
{
    private GcsEmulator Emulator => fixture.Emulator;

    private GcsLockStore _store = null!;

    public Task InitializeAsync()
    {
        _store = new GcsLockStore(fixture.Settings);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        Emulator.Faults.Clear();
        Emulator.RequiredBearerToken = null;
        Emulator.SendLastModified = true;
        Emulator.SendGenerationHeaders = true;
        await _store.DisposeAsync();
    }

    private static SidecarKey NewKey(string name = "target.csv") => LockTarget.Parse(GcsTestEmulator.NewTargetUri(name)).Sidecar;

    private static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    private string Stored(SidecarKey key) => Emulator.GetObject(key.Authority, key.ObjectName) is { } o ? Encoding.UTF8.GetString(o.Content) : "<absent>";

    private async Task<long> CountRequests(Func<Task> operation)
    {
        Emulator.ResetCounters();
        await operation();
        return Emulator.RequestCount;
    }

    [Fact]
    public async Task Uncontended_create_replace_delete_cost_one_request_each_and_read_one()
    {
        var key = NewKey();
        SidecarVersion? v1 = null, v2 = null;
        Assert.Equal(1, await CountRequests(async () => v1 = await _store.TryCreateAsync(key, Bytes("a"))));
        Assert.Equal(1, await CountRequests(async () => v2 = await _store.TryReplaceAsync(key, Bytes("b"), v1!.Value)));
        Assert.Equal(1, await CountRequests(() => _store.ReadAsync(key)));
        Assert.Equal(1, await CountRequests(async () => Assert.True(await _store.TryDeleteAsync(key, v2!.Value))));
        var held = NewKey();
        Emulator.PutObject(held.Authority, held.ObjectName, Bytes("held"));
        // A refused create costs one metadata read more: it could be the HTTP stack's re-send of our own landed write.
        Assert.Equal(2, await CountRequests(async () => Assert.Null(await _store.TryCreateAsync(held, Bytes("c")))));
    }

    [Fact]
    public async Task Versions_are_generations_that_grow_across_delete_and_recreate()
    {
        var key = NewKey();
        var v1 = (await _store.TryCreateAsync(key, Bytes("1")))!.Value;
        var v2 = (await _store.TryReplaceAsync(key, Bytes("2"), v1))!.Value;
        Assert.True(await _store.TryDeleteAsync(key, v2));
        var v3 = (await _store.TryCreateAsync(key, Bytes("3")))!.Value;
        Assert.True(GcsLockStore.GenerationOf(v1) < GcsLockStore.GenerationOf(v2));
        Assert.True(GcsLockStore.GenerationOf(v2) < GcsLockStore.GenerationOf(v3));
        Assert.Equal(Emulator.GetObject(key.Authority, key.ObjectName)!.Value.Generation, GcsLockStore.GenerationOf(v3));
    }

    [Fact]
    public async Task Object_names_are_sent_percent_encoded_in_path_and_query()
    {
        var key = LockTarget.Parse($"gs://{GcsTestEmulator.Bucket}/{Guid.NewGuid():N}/dir name/日本+é.csv").Sidecar;
        Emulator.ResetCounters();
        var v = (await _store.TryCreateAsync(key, Bytes("x")))!.Value;
        await _store.ReadAsync(key);
        Assert.True(await _store.TryDeleteAsync(key, v));
        var log = Emulator.RequestLog;
        Assert.Contains("&name=" + Uri.EscapeDataString(key.ObjectName) + "&", log[0]);
        Assert.Contains("%2Fdir%20name%2F%E6%97%A5%E6%9C%AC%2B%C3%A9.csv.lock", log[1]);
        Assert.All(log, l => Assert.DoesNotContain(' ', l[(l.IndexOf(' ') + 1)..]));
        Assert.EndsWith("dir name/日本+é.csv.lock", key.ObjectName);
    }

    [Theory]
    [InlineData(false, true, 2)]  // media, then metadata of that generation for `updated`
    [InlineData(true, false, 3)]  // media without generation, live metadata, media of exactly that generation
    [InlineData(false, false, 3)]
    public async Task Read_works_when_download_headers_are_stripped(bool lastModified, bool generationHeaders, int requests)
    {
        var key = NewKey();
        var v = (await _store.TryCreateAsync(key, Bytes("x")))!.Value;
        Emulator.SendLastModified = lastModified;
        Emulator.SendGenerationHeaders = generationHeaders;
        Emulator.ResetCounters();
        var read = (await _store.ReadAsync(key))!;
        Assert.Equal(requests, Emulator.RequestCount);
        Assert.Equal(v, read.Version);
        Assert.Equal("x", Encoding.UTF8.GetString(read.Content.Span));
        Assert.True(read.Age < TimeSpan.FromSeconds(5));
        Assert.Null(await _store.ReadAsync(NewKey()));
    }

    [Theory]
    [InlineData(503, GcsFaultTiming.BeforeApply)]
    [InlineData(503, GcsFaultTiming.AfterApply)]
    [InlineData(429, GcsFaultTiming.BeforeApply)]
    [InlineData(500, GcsFaultTiming.AfterApply)]
    [InlineData(0, GcsFaultTiming.AfterApply)] // connection dropped after the write landed
    public async Task Create_with_unknown_outcome_is_resolved_and_wins_exactly_once(int status, GcsFaultTiming timing)
    {
        var key = NewKey();
        Emulator.Faults.FailNext(1, status, timing);
        Emulator.ResetCounters();
        var version = await _store.TryCreateAsync(key, Bytes("mine"));
        Assert.NotNull(version);
        Assert.Equal(Emulator.GetObject(key.Authority, key.ObjectName)!.Value.Generation, GcsLockStore.GenerationOf(version.Value));
        // before apply: POST (fails) + GET (absent) + POST; after apply: POST (applied, reply lost) + GET (ours).
        Assert.Equal(timing == GcsFaultTiming.BeforeApply ? 3 : 2, Emulator.RequestCount);
        Assert.Null(await _store.TryCreateAsync(key, Bytes("other")));
    }

    [Theory]
    [InlineData(GcsFaultTiming.BeforeApply)]
    [InlineData(GcsFaultTiming.AfterApply)]
    public async Task Replace_with_unknown_outcome_is_resolved_to_the_new_generation(GcsFaultTiming timing)
    {
        var key = NewKey();
        var v1 = (await _store.TryCreateAsync(key, Bytes("one")))!.Value;
        Emulator.Faults.FailNext(1, 503, timing);
        var v2 = await _store.TryReplaceAsync(key, Bytes("two"), v1);
        Assert.NotNull(v2);
        Assert.Equal("two", Stored(key));
        Assert.Equal(Emulator.GetObject(key.Authority, key.ObjectName)!.Value.Generation, GcsLockStore.GenerationOf(v2.Value));
        Assert.Null(await _store.TryReplaceAsync(key, Bytes("three"), v1));
    }

    [Theory]
    [InlineData(GcsFaultTiming.BeforeApply)]
    [InlineData(GcsFaultTiming.AfterApply)]
    public async Task Delete_with_unknown_outcome_is_resolved(GcsFaultTiming timing)
    {
        var key = NewKey();
        var v1 = (await _store.TryCreateAsync(key, Bytes("one")))!.Value;
        Emulator.Faults.FailNext(1, 503, timing);
        Assert.True(await _store.TryDeleteAsync(key, v1));
        Assert.Equal("<absent>", Stored(key));
    }

    [Fact]
    public async Task Create_refused_because_our_own_first_copy_landed_is_reported_as_won()
    {
        var key = NewKey();
        // What a transparent transport re-send looks like to the store: our bytes are there, and our upload gets 412.
        Emulator.PutObject(key.Authority, key.ObjectName, Bytes("mine"));
        var version = await _store.TryCreateAsync(key, Bytes("mine"));
        Assert.NotNull(version);
        Assert.Equal(Emulator.GetObject(key.Authority, key.ObjectName)!.Value.Generation, GcsLockStore.GenerationOf(version.Value));
        Assert.Null(await _store.TryCreateAsync(key, Bytes("other")));
    }

    [Fact]
    public async Task Connection_dropped_after_the_write_landed_on_a_reused_connection_is_still_won_exactly_once()
    {
        var key = NewKey();
        await _store.ReadAsync(NewKey()); // warm a pooled connection: the HTTP stack may re-send on a reused one
        Emulator.Faults.FailNext(1, 0, GcsFaultTiming.AfterApply, method: "POST");
        Emulator.ResetCounters();
        var version = await _store.TryCreateAsync(key, Bytes("mine"));
        output.WriteLine(string.Join(Environment.NewLine, Emulator.RequestLog));
        Assert.NotNull(version);
        Assert.Equal(Emulator.GetObject(key.Authority, key.ObjectName)!.Value.Generation, GcsLockStore.GenerationOf(version.Value));
    }

    [Fact]
    public async Task Unknown_outcome_create_that_lost_to_another_writer_reports_null()
    {
        var key = NewKey();
        // Our upload is rejected (503 before apply); before we re-read, another process creates the sidecar.
        Emulator.Faults.FailNext(1, 503, GcsFaultTiming.BeforeApply, method: "POST");
        var ours = _store.TryCreateAsync(key, Bytes("mine"));
        Emulator.PutObject(key.Authority, key.ObjectName, Bytes("theirs"));
        Assert.Null(await ours);
        Assert.Equal("theirs", Stored(key));
    }

    [Fact]
    public async Task Timed_out_write_is_resolved_by_reading_and_the_late_original_cannot_win_a_second_time()
    {
        await using var store = new GcsLockStore(fixture.Settings.WithRequestTimeout(TimeSpan.FromMilliseconds(300)));
        var key = NewKey();
        var v1 = (await store.TryCreateAsync(key, Bytes("one")))!.Value;
        Emulator.Faults.DelayNext(1, TimeSpan.FromSeconds(1.5)); // the server handles the first replace only after the client gave up
        var v2 = await store.TryReplaceAsync(key, Bytes("two"), v1);
        Assert.NotNull(v2);
        await Task.Delay(TimeSpan.FromSeconds(2)); // let the delayed original reach the state: it must fail its precondition
        var now = Emulator.GetObject(key.Authority, key.ObjectName)!.Value;
        Assert.Equal("two", Encoding.UTF8.GetString(now.Content));
        Assert.Equal(GcsLockStore.GenerationOf(v2.Value), now.Generation);
    }

    [Fact]
    public async Task Create_whose_late_first_attempt_lands_before_the_resend_is_still_reported_as_won()
    {
        await using var store = new GcsLockStore(fixture.Settings.WithRequestTimeout(TimeSpan.FromMilliseconds(300)));
        var key = NewKey();
        // First upload reaches the state at ~450 ms (after the client gave up at 300 ms and read "absent");
        // the re-send lands at ~550 ms and gets 412 because of our own first attempt.
        Emulator.Faults.DelayNext(1, TimeSpan.FromMilliseconds(450), "POST");
        Emulator.Faults.DelayNext(1, TimeSpan.FromMilliseconds(250), "POST");
        Emulator.ResetCounters();
        var version = await store.TryCreateAsync(key, Bytes("mine"));
        output.WriteLine(string.Join(Environment.NewLine, Emulator.RequestLog));
        Assert.NotNull(version);
        Assert.Equal(Emulator.GetObject(key.Authority, key.ObjectName)!.Value.Generation, GcsLockStore.GenerationOf(version.Value));
        Assert.Equal("mine", Stored(key));
    }

    [Fact]
    public async Task Delete_whose_late_first_attempt_lands_before_the_resend_reports_true()
    {
        await using var store = new GcsLockStore(fixture.Settings.WithRequestTimeout(TimeSpan.FromMilliseconds(300)));
        var key = NewKey();
        var v1 = (await store.TryCreateAsync(key, Bytes("one")))!.Value;
        Emulator.Faults.DelayNext(1, TimeSpan.FromMilliseconds(450), "DELETE");
        Emulator.Faults.DelayNext(1, TimeSpan.FromMilliseconds(250), "DELETE");
        Assert.True(await store.TryDeleteAsync(key, v1));
        Assert.Equal("<absent>", Stored(key));
    }

    [Theory]
    [InlineData(GcsFaultTiming.BeforeApply)]
    [InlineData(GcsFaultTiming.AfterApply)]
    public async Task Racing_creates_and_replaces_under_injected_503s_still_have_exactly_one_winner(GcsFaultTiming timing)
    {
        // A budget large enough that no call exhausts it at a 1-in-3 failure rate ((1/3)^12 per call): every call decides.
        await using var store = new GcsLockStore(fixture.Settings.WithRetry(RetryPolicy.Default.WithMaxAttempts(12).WithBackoff(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(20))));
        Emulator.Faults.FailEvery(3, 503, timing);
        for (var round = 0; round < 5; round++)
        {
            var key = NewKey();
            var created = await Task.WhenAll(Enumerable.Range(0, 32).Select(i => Task.Run(() => store.TryCreateAsync(key, Bytes($"c-{round}-{i}")))));
            var creators = created.Select((v, i) => (v, i)).Where(x => x.v is not null).ToArray();
            Assert.Single(creators);
            Assert.Equal($"c-{round}-{creators[0].i}", Stored(key));

            var replaced = await Task.WhenAll(Enumerable.Range(0, 32).Select(i => Task.Run(() => store.TryReplaceAsync(key, Bytes($"r-{round}-{i}"), creators[0].v!.Value))));
            var replacers = replaced.Select((v, i) => (v, i)).Where(x => x.v is not null).ToArray();
            Assert.Single(replacers);
            Assert.Equal($"r-{round}-{replacers[0].i}", Stored(key));
        }
    }

    [Fact]
    public async Task Persistent_503_fails_with_store_unavailable_after_the_retry_budget()
    {
        var key = NewKey();
        Emulator.Faults.FailNext(1000, 503);
        Emulator.ResetCounters();
        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => _store.TryCreateAsync(key, Bytes("x")));
        Assert.Contains("unknown outcome", error.Message);
        Assert.Equal(fixture.Settings.Retry.MaxAttempts, Emulator.RequestCount);
        await Assert.ThrowsAsync<StoreUnavailableException>(() => _store.ReadAsync(key));
    }

    [Fact]
    public async Task Stopped_server_fails_with_store_unavailable_and_recovers_after_restart()
    {
        await using var emulator = new GcsEmulator();
        emulator.CreateBucket("b");
        await emulator.StartAsync();
        await using var store = new GcsLockStore(fixture.Settings.WithEndpoint(emulator.Endpoint));
        var key = LockTarget.Parse("gs://b/held.csv").Sidecar;
        var v1 = (await store.TryCreateAsync(key, Bytes("one")))!.Value;
        await emulator.StopAsync();
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.TryReplaceAsync(key, Bytes("two"), v1));
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.ReadAsync(key));
        await emulator.StartAsync();
        Assert.NotNull(await store.TryReplaceAsync(key, Bytes("two"), v1));
    }

    [Fact]
    public async Task Bad_or_missing_credentials_fail_with_access_denied_and_the_right_token_works()
    {
        Emulator.RequiredBearerToken = "s3cret";
        var key = NewKey();
        await Assert.ThrowsAsync<StoreAccessDeniedException>(() => _store.TryCreateAsync(key, Bytes("x")));
        await using var wrong = new GcsLockStore(fixture.Settings.WithCredentials(GcsCredentials.FromAccessToken("nope")));
        await Assert.ThrowsAsync<StoreAccessDeniedException>(() => wrong.ReadAsync(key));
        await Assert.ThrowsAsync<StoreAccessDeniedException>(() => wrong.TryDeleteAsync(key, new SidecarVersion("1")));
        var calls = 0;
        await using var right = new GcsLockStore(fixture.Settings.WithCredentials(GcsCredentials.FromAccessTokenProvider(_ =>
        {
            Interlocked.Increment(ref calls);
            return Task.FromResult("s3cret");
        })));
        Assert.NotNull(await right.TryCreateAsync(key, Bytes("x")));
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task Forbidden_is_access_denied()
    {
        Emulator.Faults.FailNext(1, 403);
        await Assert.ThrowsAsync<StoreAccessDeniedException>(() => _store.TryCreateAsync(NewKey(), Bytes("x")));
    }

    [Fact]
    public async Task Unloadable_service_account_file_fails_with_access_denied_on_first_use()
    {
        var missing = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".json");
        await using var store = new GcsLockStore(fixture.Settings.WithCredentials(GcsCredentials.FromServiceAccountFile(missing)));
        var error = await Assert.ThrowsAsync<StoreAccessDeniedException>(() => store.TryCreateAsync(NewKey(), Bytes("x")));
        Assert.Contains(missing, error.Message);

        var garbage = Path.GetTempFileName();
        await File.WriteAllTextAsync(garbage, "{ not a key file");
        try
        {
            await using var bad = new GcsLockStore(fixture.Settings.WithCredentials(GcsCredentials.FromServiceAccountFile(garbage)));
            await Assert.ThrowsAsync<StoreAccessDeniedException>(() => bad.ReadAsync(NewKey()));
        }
        finally
        {
            File.Delete(garbage);
        }
    }

    [Fact]
    public async Task Missing_bucket_is_location_not_found_for_every_primitive()
    {
        var key = LockTarget.Parse($"gs://no-bucket-{Guid.NewGuid():N}/x.csv").Sidecar;
        await Assert.ThrowsAsync<StoreLocationNotFoundException>(() => _store.TryCreateAsync(key, Bytes("x")));
        await Assert.ThrowsAsync<StoreLocationNotFoundException>(() => _store.TryReplaceAsync(key, Bytes("x"), new SidecarVersion("1")));
        await Assert.ThrowsAsync<StoreLocationNotFoundException>(() => _store.TryDeleteAsync(key, new SidecarVersion("1")));
        await Assert.ThrowsAsync<StoreLocationNotFoundException>(() => _store.ReadAsync(key));
    }

    [Fact]
    public async Task Versions_of_other_stores_never_match()
    {
        var key = NewKey();
        await _store.TryCreateAsync(key, Bytes("x"));
        Emulator.ResetCounters();
        Assert.Null(await _store.TryReplaceAsync(key, Bytes("y"), new SidecarVersion("abc.def")));
        Assert.False(await _store.TryDeleteAsync(key, new SidecarVersion("0")));
        Assert.Equal(0, Emulator.RequestCount);
    }

    [Fact]
    public void Settings_are_immutable_copies_and_validate()
    {
        var a = GcsStoreSettings.Default;
        var b = a.WithEndpoint(new Uri("http://127.0.0.1:9199")).WithRequestTimeout(TimeSpan.FromSeconds(3)).WithCredentials(GcsCredentials.None);
        Assert.Equal(GcsStoreSettings.GoogleEndpoint, a.Endpoint);
        Assert.Equal(new Uri("http://127.0.0.1:9199"), b.Endpoint);
        Assert.Equal(TimeSpan.FromSeconds(3), b.RequestTimeout);
        Assert.Same(GcsCredentials.None, b.Credentials);
        Assert.Throws<ArgumentException>(() => a.WithEndpoint(new Uri("ftp://x")));
        Assert.Equal("request-timeout", Assert.Throws<ArgumentException>(() => a.WithRequestTimeout(TimeSpan.Zero)).ParamName);
        Assert.Equal("retry.max-attempts", Assert.Throws<ArgumentException>(() => RetryPolicy.Default.WithMaxAttempts(0)).ParamName);
        Assert.InRange(RetryPolicy.Default.BackoffFor(10), TimeSpan.Zero, RetryPolicy.Default.MaxBackoff);
    }

    [Fact]
    public async Task Median_create_plus_delete_round_trip_on_the_emulator()
    {
        var samples = new List<double>();
        for (var i = 0; i < 250; i++)
        {
            var key = NewKey();
            var watch = Stopwatch.StartNew();
            var v = (await _store.TryCreateAsync(key, Bytes("{\"lockId\":\"x\"}")))!.Value;
            Assert.True(await _store.TryDeleteAsync(key, v));
            samples.Add(watch.Elapsed.TotalMilliseconds);
        }

        samples.Sort();
        var median = samples[samples.Count / 2];
        output.WriteLine($"TryCreate+TryDelete over {samples.Count} iterations: median {median:F3} ms, p90 {samples[(int)(samples.Count * 0.9)]:F3} ms");
        Assert.InRange(median, 0, 100);
    }
}
