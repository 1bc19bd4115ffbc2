using LockActors.Client;
using Xunit;
using Xunit.Abstractions;

namespace LockActors.Tests.Telemetry;

/// <summary><c>lockactors.acquire.attempts</c> and <c>lockactors.acquire.wait.duration</c>, counted once per request by outcome.</summary>
public sealed class AcquireMetricsTests(ITestOutputHelper output) : TelemetryTestKit(output)
{
    private const string Attempts = "lockactors.acquire.attempts";
    private const string Wait = "lockactors.acquire.wait.duration";

    [Fact]
    public async Task Grants_denials_and_timeouts_are_counted_by_outcome_with_their_waits()
    {
        var target = NewTarget();
        var first = await Locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl });
        Assert.Null(await Locks.Client.TryAcquireAsync(target, new LockOptions { Ttl = Ttl }));
        await Assert.ThrowsAsync<LockAcquireTimeoutException>(() =>
            Locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, AcquireTimeout = TimeSpan.FromMilliseconds(300) }));
        var waiting = Locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, AcquireTimeout = TimeSpan.FromSeconds(10) });
        await Task.Delay(400);
        await first.ReleaseAsync();
        await using (await waiting)
        {
        }

        Assert.Equal(2, Metrics.Sum(Attempts, ("lockactors.acquire.outcome", "granted")));
        Assert.Equal(1, Metrics.Sum(Attempts, ("lockactors.acquire.outcome", "denied")));
        Assert.Equal(1, Metrics.Sum(Attempts, ("lockactors.acquire.outcome", "timeout")));
        Assert.Equal(4, Metrics.Sum(Attempts, SchemeTag));

        var grantedWaits = Metrics.Of(Wait, ("lockactors.acquire.outcome", "granted")).Select(m => m.Value).Order().ToArray();
        Assert.Equal(2, grantedWaits.Length);
        Assert.True(grantedWaits[1] >= 0.35, $"the queued acquire waited {grantedWaits[1]} s before its grant");
        var timeoutWait = Assert.Single(Metrics.Of(Wait, ("lockactors.acquire.outcome", "timeout"))).Value;
        Assert.True(timeoutWait >= 0.29, $"the timed-out acquire waited {timeoutWait} s");
    }

    [Fact]
    public async Task Cancelled_acquires_and_store_errors_have_their_own_outcomes()
    {
        var target = NewTarget();
        await using var held = await Locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl });
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, AcquireTimeout = TimeSpan.FromSeconds(10) }, cancel.Token));

        Store.EveryCall(LockActors.TestServers.Faults.StoreFault.FailBeforeApply);
        await Assert.ThrowsAsync<LockActors.Storage.StoreUnavailableException>(() => Locks.Client.TryAcquireAsync(NewTarget(), new LockOptions { Ttl = Ttl }));
        Store.ClearFaults();

        Assert.Equal(1, Metrics.Sum(Attempts, ("lockactors.acquire.outcome", "cancelled")));
        var error = Assert.Single(Metrics.Of(Attempts, ("lockactors.acquire.outcome", "error")));
        Assert.Equal("LockActors.Storage.StoreUnavailableException", error.Tag("error.type"));
    }
}
