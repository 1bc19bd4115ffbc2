using System.Text;
using LockActors.S3;
using Xunit;
using LockActors.Storage.Backends;
using LockActors.TestServers.S3;

namespace LockActors.S3.Tests;

/// <summary>
/// A conditional write answered with 5xx may or may not have applied (RGW answers some CAS-race losers with 500).
/// The store must decide by re-reading, never re-send blindly, and never grant twice.
/// </summary>
public sealed class S3UnknownOutcomeTests
{
    private static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    private static SidecarKey NewKey() => LockTarget.Parse(S3TestServer.NewTargetUri("unknown.csv")).Sidecar;

    /// <summary>A store whose PUTs get <paramref name="fault"/> once armed (the probe runs clean first).</summary>
    private static async Task<(S3LockStore Store, FaultInjectingHandler Faults, Action<int> Arm)> StoreWithFaults(
        Fault fault, S3ConditionalDeleteMode mode = S3ConditionalDeleteMode.Tombstone)
    {
        var remaining = 0;
        var handler = new FaultInjectingHandler(r =>
            r.Method == HttpMethod.Put && Interlocked.Decrement(ref remaining) >= 0 ? fault : Fault.None);
        var store = S3TestServer.NewStore(S3TestServer.Settings().WithConditionalDelete(mode).WithRetry(RetryPolicy.Default.WithMaxAttempts(3).WithBackoff(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(5))), handler);
        await store.ProbeAsync(S3TestServer.Bucket);
        return (store, handler, n => Volatile.Write(ref remaining, n));
    }

    /// <summary>
    /// Creates <paramref name="key"/>, arms one fault and sends a heartbeat (replace) into it; asserts the heartbeat
    /// won and is what the store now holds. Returns the versions before and after.
    /// </summary>
    private static async Task<(SidecarVersion Before, SidecarVersion After)> HeartbeatIntoFaultAsync(S3LockStore store, SidecarKey key, Action<int> arm)
    {
        var v1 = (await store.TryCreateAsync(key, Bytes("beat-0")))!.Value;
        arm(1);
        var v2 = await store.TryReplaceAsync(key, Bytes("beat-1"), v1);
        Assert.NotNull(v2);
        Assert.Equal(v2, (await store.ReadAsync(key))!.Version);
        return (v1, v2.Value);
    }

    [Fact]
    public async Task Create_that_applied_but_was_answered_500_is_recognised_as_won_by_re_reading()
    {
        var (store, faults, arm) = await StoreWithFaults(Fault.FailAfterApplying);
        await using var _ = store;
        var key = NewKey();
        arm(1);
        var before = store.Requests.Snapshot();
        var version = await store.TryCreateAsync(key, Bytes("mine"));
        Assert.NotNull(version);
        Assert.Equal(1, faults.Injected);
        Assert.Equal("GET 1, PUT 1", (store.Requests.Snapshot() - before).ToString());
        Assert.Equal(version, (await store.ReadAsync(key))!.Version);
    }

    [Fact]
    public async Task Create_that_did_not_apply_is_sent_again_after_the_re_read_proves_it()
    {
        var (store, _, arm) = await StoreWithFaults(Fault.FailBeforeApplying);
        await using var __ = store;
        var key = NewKey();
        arm(1);
        var before = store.Requests.Snapshot();
        Assert.NotNull(await store.TryCreateAsync(key, Bytes("mine")));
        Assert.Equal("GET 1, PUT 2", (store.Requests.Snapshot() - before).ToString());
    }

    [Fact]
    public async Task Create_answered_500_while_another_process_won_returns_null()
    {
        var (store, _, arm) = await StoreWithFaults(Fault.FailBeforeApplying);
        await using var __ = store;
        await using var other = S3TestServer.NewStore(S3TestServer.Settings());
        var key = NewKey();
        var winner = await other.TryCreateAsync(key, Bytes("theirs"));
        arm(1);
        Assert.Null(await store.TryCreateAsync(key, Bytes("mine")));
        Assert.Equal(winner, (await other.ReadAsync(key))!.Version);
    }

    [Fact]
    public async Task Heartbeat_that_applied_but_was_answered_500_returns_the_new_version()
    {
        var (store, _, arm) = await StoreWithFaults(Fault.FailAfterApplying);
        await using var __ = store;
        var key = NewKey();
        await HeartbeatIntoFaultAsync(store, key, arm);
        Assert.Equal("beat-1", Encoding.UTF8.GetString((await store.ReadAsync(key))!.Content.Span));
    }

    [Fact]
    public async Task Tombstone_release_that_applied_but_was_answered_500_reports_released()
    {
        var (store, _, arm) = await StoreWithFaults(Fault.FailAfterApplying);
        await using var __ = store;
        var key = NewKey();
        var v1 = (await store.TryCreateAsync(key, Bytes("held")))!.Value;
        arm(1);
        Assert.True(await store.TryDeleteAsync(key, v1));
        Assert.Null(await store.ReadAsync(key));
    }

    [Fact]
    public async Task Write_that_stays_unknown_fails_as_unavailable_after_the_configured_attempts_without_applying()
    {
        var (store, _, arm) = await StoreWithFaults(Fault.FailBeforeApplying);
        await using var __ = store;
        var key = NewKey();
        var v1 = (await store.TryCreateAsync(key, Bytes("held")))!.Value;
        arm(int.MaxValue);
        var before = store.Requests.Snapshot();
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.TryReplaceAsync(key, Bytes("never"), v1));
        Assert.Equal(3, (store.Requests.Snapshot() - before)["PUT"]);
        Assert.Equal(v1, (await store.ReadAsync(key))!.Version);
    }

    [Fact]
    public async Task Racing_creates_all_answered_500_after_applying_still_grant_exactly_once()
    {
        var stores = new List<S3LockStore>();
        var arms = new List<Action<int>>();
        for (var i = 0; i < 8; i++)
        {
            var (store, _, arm) = await StoreWithFaults(Fault.FailAfterApplying);
            stores.Add(store);
            arms.Add(arm);
        }

        try
        {
            var key = NewKey();
            arms.ForEach(arm => arm(int.MaxValue));
            var results = await Task.WhenAll(stores.Select((s, i) => s.TryCreateAsync(key, Bytes($"racer-{i}"))));
            var winner = Assert.Single(results.Select((v, i) => (v, i)), r => r.v is not null);
            var read = await stores[0].ReadAsync(key);
            Assert.Equal($"racer-{winner.i}", Encoding.UTF8.GetString(read!.Content.Span));
        }
        finally
        {
            foreach (var s in stores)
            {
                await s.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Create_that_applied_but_timed_out_is_recognised_as_won_by_re_reading()
    {
        var armed = 0;
        var handler = new FaultInjectingHandler(r => r.Method == HttpMethod.Put && Interlocked.Exchange(ref armed, 0) == 1 ? Fault.HangAfterApplying : Fault.None);
        await using var store = S3TestServer.NewStore(S3TestServer.Settings().WithTimeouts(TimeSpan.FromSeconds(2)).WithRetry(RetryPolicy.Default.WithMaxAttempts(3).WithBackoff(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(5))), handler);
        await store.ProbeAsync(S3TestServer.Bucket);
        var key = NewKey();
        Volatile.Write(ref armed, 1);
        var version = await store.TryCreateAsync(key, Bytes("mine"));
        Assert.NotNull(version);
        Assert.Equal(1, handler.Injected);
        Assert.Equal(version, (await store.ReadAsync(key))!.Version);
    }

    [Fact]
    public async Task Endpoint_answering_501_to_conditional_puts_is_refused_as_not_safe()
    {
        var handler = new FaultInjectingHandler(r => r.Method == HttpMethod.Put && r.Headers.Contains("If-None-Match") ? Fault.NotImplemented : Fault.None);
        await using var store = S3TestServer.NewStore(S3TestServer.Settings(), handler);
        var error = await Assert.ThrowsAsync<StoreNotSafeException>(() => store.TryCreateAsync(NewKey(), Bytes("x")));
        Assert.Contains("conditional create is not supported", error.Message, StringComparison.Ordinal);

        await using var unprobed = S3TestServer.NewStore(S3TestServer.Settings().WithProbe(S3ProbeMode.Off), new FaultInjectingHandler(r => r.Method == HttpMethod.Put && r.Headers.Contains("If-None-Match") ? Fault.NotImplemented : Fault.None));
        await Assert.ThrowsAsync<StoreNotSafeException>(() => unprobed.TryCreateAsync(NewKey(), Bytes("x")));
    }

    [Fact]
    public async Task Connection_reset_after_a_write_applied_is_not_retried_by_the_sdk_but_resolved_by_re_reading()
    {
        var (store, faults, arm) = await StoreWithFaults(Fault.ResetAfterApplying);
        await using var _ = store;
        var key = NewKey();
        var v1 = (await store.TryCreateAsync(key, Bytes("beat-0")))!.Value;
        arm(1);
        var before = store.Requests.Snapshot();
        var v2 = await store.TryReplaceAsync(key, Bytes("beat-1"), v1);
        Assert.NotNull(v2);
        Assert.Equal(1, faults.Injected);
        // One PUT (the SDK's stale-connection retry would have sent a second, answered 412) and one GET to decide.
        Assert.Equal("GET 1, PUT 1", (store.Requests.Snapshot() - before).ToString());
    }

    [Fact]
    public async Task Heartbeat_refused_412_although_it_landed_is_recognised_by_its_content()
    {
        var (store, _, arm) = await StoreWithFaults(Fault.PreconditionFailedAfterApplying);
        await using var _ = store;
        var key = NewKey();
        var (v1, _) = await HeartbeatIntoFaultAsync(store, key, arm);
        Assert.Null(await store.TryReplaceAsync(key, Bytes("beat-2"), v1)); // a genuinely stale version still loses
    }
}
