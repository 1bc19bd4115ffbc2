using Akka.Actor;
using LockActors.Client;
using LockActors.Messages;
using Xunit;
using Xunit.Abstractions;

namespace LockActors.Tests.Telemetry;

/// <summary>Held locks, hold durations, heartbeats and losses.</summary>
public sealed class HoldMetricsTests(ITestOutputHelper output) : TelemetryTestKit(output)
{
    [Fact]
    public async Task Held_locks_count_returns_to_zero_and_each_hold_is_timed()
    {
        var a = await Locks.Client.AcquireAsync(NewTarget(), new LockOptions { Ttl = Ttl });
        var b = await Locks.Client.AcquireAsync(NewTarget(), new LockOptions { Ttl = Ttl });
        Assert.Equal(2, Metrics.Observe("lockactors.locks.held"));
        await Task.Delay(200);
        await a.ReleaseAsync();
        Assert.Equal(1, Metrics.Observe("lockactors.locks.held"));
        await b.ReleaseAsync();
        Assert.Equal(0, Metrics.Observe("lockactors.locks.held"));

        var holds = Metrics.Of("lockactors.lock.hold.duration", ("lockactors.lock.outcome", "released"));
        Assert.Equal(2, holds.Count);
        Assert.All(holds, h => Assert.True(h.Value >= 0.19, $"held {h.Value} s"));
    }

    [Fact]
    public async Task A_hold_that_survives_an_actor_restart_is_counted_once()
    {
        var target = NewTarget();
        var handle = await Locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl });
        Locks.Manager.Tell(new LockActors.Actors.CrashForTest(target, "injected failure"));
        await MetricsRecorder.Eventually(() => Metrics.Sum("lockactors.heartbeats", SchemeTag) >= 1, Ttl * 4, "a renewal by the restarted actor");
        Assert.Equal(1, Metrics.Observe("lockactors.locks.held"));
        await handle.ReleaseAsync();

        Assert.Equal(0, Metrics.Observe("lockactors.locks.held"));
        Assert.Single(Metrics.Of("lockactors.lock.hold.duration"));
        Assert.Equal(1, Metrics.Sum("lockactors.acquire.attempts", SchemeTag));
        Assert.Empty(Metrics.Of("lockactors.locks.lost"));
    }

    [Fact]
    public async Task Heartbeats_are_counted_while_a_lock_is_held()
    {
        await using var handle = await Locks.Client.AcquireAsync(NewTarget(), new LockOptions { Ttl = Ttl });
        await MetricsRecorder.Eventually(() => Metrics.Sum("lockactors.heartbeats", SchemeTag) >= 2, Ttl * 4, "two confirmed renewals");
        Assert.True(handle.CheckLease());
        Assert.Empty(Metrics.Of("lockactors.heartbeat.failures"));
        Assert.True(Metrics.Sum("lockactors.store.operation.duration", ("lockactors.store.primitive", "try_replace")) > 0);
    }

    [Fact]
    public async Task A_lock_taken_over_by_another_process_is_counted_as_lost_by_cause()
    {
        var target = NewTarget();
        var probe = CreateTestProbe();
        var granted = await Locks.Manager.Ask<LockGranted>(new Acquire(target, Ttl) { NotifyLost = probe.Ref }, TimeSpan.FromSeconds(10));
        await PlantAsync(target, TimeSpan.FromMinutes(1), granted.FencingToken + 100, owner: "usurper");
        probe.ExpectMsg<LockLost>(Ttl * 2);

        Assert.Equal(1, Metrics.Sum("lockactors.locks.lost", ("lockactors.loss.cause", "taken_over")));
        Assert.Equal(0, Metrics.Observe("lockactors.locks.held"));
        Assert.Single(Metrics.Of("lockactors.lock.hold.duration", ("lockactors.lock.outcome", "lost")));
        // The renewal that found the usurper's sidecar was refused by the compare-and-swap.
        Assert.True(Metrics.Sum("lockactors.heartbeat.failures", ("error.type", "refused")) >= 1);
    }

    [Fact]
    public async Task Locks_released_at_shutdown_are_counted_as_lost_by_shutdown()
    {
        await using var handle = await Locks.Client.AcquireAsync(NewTarget(), new LockOptions { Ttl = Ttl });
        await CoordinatedShutdown.Get(Sys).Run(CoordinatedShutdown.ClrExitReason.Instance);
        Assert.Equal(1, Metrics.Sum("lockactors.locks.lost", ("lockactors.loss.cause", "shutdown")));
        Assert.Equal(0, Metrics.Observe("lockactors.locks.held"));
    }
}
