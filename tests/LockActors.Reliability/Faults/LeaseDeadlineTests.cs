using System.Globalization;
using Akka.Actor;
using LockActors.Messages;
using LockActors.TestServers.Faults;
using Xunit;
using Xunit.Abstractions;

namespace LockActors.Reliability.Faults;

/// <summary>
/// A paused process cannot be simulated in-process, so this proves the part that makes pauses safe: CheckLease() is a
/// pure function of the monotonic clock and the send time of the last confirmed write. While renewals hang it turns
/// false at that deadline (send time + ttl·(1−margin)), whether or not the actor's timers have run.
/// </summary>
public sealed class LeaseDeadlineTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMilliseconds(900);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task CheckLease_turns_false_at_the_deadline_counted_from_the_send_time_of_the_last_confirmed_write(int confirmedRenewals)
    {
        await using var env = new SharedStoreSystems("mem", storeOperationTimeout: TimeSpan.FromSeconds(5));
        var (a, target, sidecar) = env.AddSystemAndTarget("A");
        if (confirmedRenewals > 0)
        {
            a.Store.Next(confirmedRenewals, StorePrimitive.Replace, StoreFault.None);
        }

        a.Store.Every(StorePrimitive.Replace, StoreFault.Hang());
        var granted = await a.Locks.Manager.Ask<LockGranted>(new Acquire(target, Ttl), TimeSpan.FromSeconds(10));
        Assert.True(granted.Lease.CheckLease(), "a fresh grant's lease is valid");

        if (confirmedRenewals > 0)
        {
            await env.Timeline.WaitForAsync(e => e.Is(sidecar, StorePrimitive.Replace, StoreEventKind.Replied), TimeSpan.FromSeconds(5));
        }

        var lastWrite = env.Timeline.Where(e => e.Key == sidecar && e.Store == "A" && e.IsSuccessfulWrite).Last();
        var deadline = Mono.Add(lastWrite.CallStarted, a.Locks.Settings.TrustedLeaseFor(Ttl));

        // Spin on a dedicated thread: the observation must not depend on the actor's (or the pool's) timers. It sleeps
        // until shortly before the deadline so as not to take a core from the rest of the run for the whole lease.
        var (lastTrue, firstFalse) = await Task.Factory.StartNew(
            () =>
            {
                long seenTrue = 0;
                var wake = Mono.Add(deadline, TimeSpan.FromMilliseconds(-30));
                if (granted.Lease.CheckLease() && Mono.Now < wake)
                {
                    Thread.Sleep(TimeSpan.FromMilliseconds(Math.Max(0, Mono.Ms(Mono.Now, wake))));
                }

                var giveUp = Mono.Add(Mono.Now, Ttl * 3);
                while (Mono.Now < giveUp)
                {
                    var before = Mono.Now;
                    if (!granted.Lease.CheckLease())
                    {
                        return (seenTrue, Mono.Now);
                    }

                    seenTrue = before;
                    Thread.SpinWait(50);
                }

                return (seenTrue, 0L);
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"last confirmed write: {lastWrite}; deadline {StoreTimeline.Format(deadline)}; last seen true {Mono.Ms(deadline, lastTrue):+0.00;-0.00} ms from it; first seen false {Mono.Ms(deadline, firstFalse):+0.00;-0.00} ms from it"));
        Assert.True(firstFalse != 0, "CheckLease() never turned false while renewals hung");
        Assert.True(lastTrue <= deadline, $"CheckLease() was true {Mono.Ms(deadline, lastTrue):0.00} ms after the send-time deadline");
        Assert.True(Mono.Ms(deadline, firstFalse) > -20, $"CheckLease() turned false {Mono.Ms(firstFalse, deadline):0.00} ms before the send-time deadline: the lease is counted from an earlier point");
        Assert.True(Mono.Ms(deadline, firstFalse) < 50, $"CheckLease() stayed true {Mono.Ms(deadline, firstFalse):0.00} ms past the deadline");
        Assert.True(granted.Lease.Lost.IsCancellationRequested || await WaitCancelledAsync(granted.Lease.Lost), "Lease.Lost fires once CheckLease() has seen the deadline");
    }

    private static async Task<bool> WaitCancelledAsync(CancellationToken token)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(2), token);
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }
}
