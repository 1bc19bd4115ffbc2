using System.Diagnostics;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using LockActors.Client;
using LockActors.Messages;
using Xunit;
using Xunit.Abstractions;

namespace LockActors.Tests.Shutdown;

/// <summary>What holders, waiters and later callers are told when the system shuts down.</summary>
public sealed class ShutdownNotificationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Holders_are_told_LockLost_Shutdown_and_queued_waiters_and_new_acquires_get_the_typed_error()
    {
        using var scenario = new ShutdownScenario("mem", output, targets: 2);
        var system = scenario.NewSystem("first");
        var locks = LockActorsExtension.Get(system);
        using var kit = new TestKit(system);
        var probe = kit.CreateTestProbe();
        var granted = await locks.Manager.Ask<LockGranted>(new Acquire(scenario.Targets[0], ShutdownScenario.Ttl) { NotifyLost = probe.Ref }, TimeSpan.FromSeconds(10));
        var handle = await locks.Client.AcquireAsync(scenario.Targets[1]);
        var waiter = locks.Client.AcquireAsync(scenario.Targets[1], new LockOptions { AcquireTimeout = TimeSpan.FromSeconds(20) });
        var askWaiter = locks.Manager.Ask<LockGranted>(new Acquire(scenario.Targets[0], ShutdownScenario.Ttl) { WaitTimeout = TimeSpan.FromSeconds(20) }, TimeSpan.FromSeconds(30));
        await Task.Delay(100); // both queued behind the holders
        Assert.False(waiter.IsCompleted);

        var shutdown = CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.UnknownReason.Instance);

        var lost = probe.ExpectMsg<LockLost>(TimeSpan.FromSeconds(5));
        Assert.Equal((granted.LockId, LockLossCause.Shutdown), (lost.LockId, lost.Cause));
        Assert.Contains("shutting down", lost.Reason, StringComparison.Ordinal);
        Assert.False(granted.Lease.CheckLease());
        Assert.Equal(LockLossCause.Shutdown, granted.Lease.LostCause);
        Assert.True(handle.HandleLost.WaitHandle.WaitOne(TimeSpan.FromSeconds(5)));
        Assert.False(handle.CheckLease());
        Assert.Equal(LockLossCause.Shutdown, handle.LostCause);
        await Assert.ThrowsAsync<LockSystemShuttingDownException>(() => waiter);
        await Assert.ThrowsAsync<LockSystemShuttingDownException>(() => askWaiter);
        await Assert.ThrowsAsync<LockSystemShuttingDownException>(() => locks.Client.AcquireAsync(scenario.Targets[0]));
        await shutdown.WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task Disposing_or_releasing_a_handle_after_shutdown_returns_at_once_and_later_calls_fail_typed_at_once()
    {
        using var scenario = new ShutdownScenario("file", output, targets: 3);
        var system = scenario.NewSystem("first");
        var client = LockActorsExtension.Get(system).Client;
        var disposed = await client.AcquireAsync(scenario.Targets[0]);
        var released = await client.AcquireAsync(scenario.Targets[1]);
        await system.Terminate().WaitAsync(TimeSpan.FromSeconds(20));

        var watch = Stopwatch.StartNew();
        await disposed.DisposeAsync();
        var dispose = watch.Elapsed;
        watch.Restart();
        await released.ReleaseAsync();
        var release = watch.Elapsed;
        watch.Restart();
        await Assert.ThrowsAsync<LockSystemShuttingDownException>(() => client.AcquireAsync(scenario.Targets[2]));
        await Assert.ThrowsAsync<LockSystemShuttingDownException>(() => client.TryAcquireAsync(scenario.Targets[2]));
        await Assert.ThrowsAsync<LockSystemShuttingDownException>(() => client.GetInfoAsync(scenario.Targets[2]));
        var calls = watch.Elapsed;

        scenario.Report("dispose after shutdown", dispose);
        scenario.Report("release after shutdown", release);
        scenario.Report("three client calls after shutdown", calls);
        // The target is < 100 ms; the bound is generous so a loaded 2-core box does not make it flaky.
        Assert.True(dispose < TimeSpan.FromSeconds(1), $"dispose took {dispose}");
        Assert.True(release < TimeSpan.FromSeconds(1), $"release took {release}");
        Assert.True(calls < TimeSpan.FromSeconds(1), $"client calls took {calls}");
        Assert.False(disposed.CheckLease());
        Assert.False(released.CheckLease());
        Assert.Equal(0, client.HeldCount);
    }
}
