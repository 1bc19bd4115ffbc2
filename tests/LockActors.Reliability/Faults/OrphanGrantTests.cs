using System.Globalization;
using Akka.Actor;
using LockActors.Client;
using LockActors.Messages;
using LockActors.Storage;
using LockActors.TestServers.Faults;
using Xunit;
using Xunit.Abstractions;

namespace LockActors.Reliability.Faults;

/// <summary>Protocol rule 10: every grant has a reachable owner; a requester that gave up is never left holding.</summary>
public sealed class OrphanGrantTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMilliseconds(1500);
    private static readonly TimeSpan Slack = TimeSpan.FromMilliseconds(500);

    [Fact]
    public async Task Ask_that_timed_out_before_its_grant_arrived_leaves_no_lock()
    {
        await using var env = new SharedStoreSystems("mem", TimeSpan.FromSeconds(3));
        var (a, target, sidecar) = env.AddSystemAndTarget("A");
        var b = env.AddSystem("B");
        a.Store.Next(StorePrimitive.Create, StoreFault.DelayAfterApply(TimeSpan.FromMilliseconds(800)));

        await Assert.ThrowsAsync<AskTimeoutException>(() => a.Locks.Manager.Ask<LockGranted>(new Acquire(target, Ttl), TimeSpan.FromMilliseconds(200)));
        var created = await env.Timeline.WaitForAsync(e => e.Key == sidecar && e.Primitive == StorePrimitive.Create && e.IsSuccessfulWrite, TimeSpan.FromSeconds(5));

        // The sidecar goes within one TTL of its creation: released, not merely left to go stale.
        var gone = await env.WaitUntilSidecarGoneAsync(target, Ttl + Slack);
        output.WriteLine(env.Timeline.Dump(e => e.Key == sidecar));
        Assert.True(gone is not null, $"the grant of the timed-out Ask is still in the store {Ttl + Slack} after its create (renewed by an actor nobody can reach)");
        Assert.True(Mono.Ms(created.Timestamp, gone!.Value) <= (Ttl + Slack).TotalMilliseconds, "released later than one TTL");

        await using var second = await b.Locks.Client.TryAcquireAsync(target, new LockOptions { Ttl = Ttl });
        Assert.NotNull(second);
    }

    [Theory]
    [InlineData("queued")]
    [InlineData("grant-in-flight")]
    public async Task LockClient_acquire_cancelled_while_queued_leaves_no_lock(string when)
    {
        await using var env = new SharedStoreSystems("mem", TimeSpan.FromSeconds(3));
        var (a, target, sidecar) = env.AddSystemAndTarget("A");
        var holder = await a.Locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl });

        using var cancel = new CancellationTokenSource();
        var waiter = a.Locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, AcquireTimeout = TimeSpan.FromSeconds(20) }, cancel.Token);
        if (when == "queued")
        {
            await Task.Delay(100); // set-up only: let the request reach the actor's queue
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiter);
            await holder.ReleaseAsync();
        }
        else
        {
            // The hand-over to the waiter is applied but its reply is slow: the cancellation crosses the grant.
            a.Store.Next(StorePrimitive.Replace, StoreFault.DelayAfterApply(TimeSpan.FromMilliseconds(400)));
            var release = holder.ReleaseAsync();
            await env.Timeline.WaitForAsync(e => e.Is(sidecar, StorePrimitive.Replace, StoreEventKind.Applied), TimeSpan.FromSeconds(5));
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiter);
            await release;
        }

        var gone = await env.WaitUntilSidecarGoneAsync(target, Ttl);
        output.WriteLine(env.Timeline.Dump(e => e.Key == sidecar));
        Assert.True(gone is not null, "a cancelled acquire left the sidecar in the store");
        Assert.Equal(0, a.Locks.Client.HeldCount);
        Assert.False((await a.Locks.Client.GetInfoAsync(target)).IsHeld);
    }

    [Fact]
    public async Task Acquirer_actor_that_dies_while_holding_has_its_lock_released_within_one_ttl()
    {
        await using var env = new SharedStoreSystems("mem", TimeSpan.FromSeconds(3));
        var (a, target, _) = env.AddSystemAndTarget("A");
        var b = env.AddSystem("B");
        var granted = new TaskCompletionSource<LockGranted>(TaskCreationOptions.RunContinuationsAsynchronously);
        var acquirer = a.System.ActorOf(Props.Create(() => new Acquirer(a.Locks.Manager, target, Ttl, granted)));
        await granted.Task.WaitAsync(TimeSpan.FromSeconds(5));

        var diedAt = Mono.Now;
        await acquirer.GracefulStop(TimeSpan.FromSeconds(5));
        var gone = await env.WaitUntilSidecarGoneAsync(target, Ttl + Slack);
        Assert.True(gone is not null, $"the dead acquirer's lock is still in the store {Ttl + Slack} after it died");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"released {Mono.Ms(diedAt, gone!.Value):0} ms after the acquirer died"));
        Assert.True((await granted.Task).Lease.IsEnded, "the dead acquirer's lease is still live");
        await using var second = await b.Locks.Client.TryAcquireAsync(target, new LockOptions { Ttl = Ttl });
        Assert.NotNull(second);
    }

    [Fact]
    public async Task Release_whose_delete_fails_is_retried_until_the_sidecar_is_gone_and_renewals_stop()
    {
        var ttl = TimeSpan.FromSeconds(3);
        await using var env = new SharedStoreSystems("mem", TimeSpan.FromSeconds(1));
        var (a, target, sidecar) = env.AddSystemAndTarget("A");
        var handle = await a.Locks.Client.AcquireAsync(target, new LockOptions { Ttl = ttl });
        a.Store.Every(StorePrimitive.Delete, StoreFault.FailBeforeApply);

        var releaseAsked = Mono.Now;
        try
        {
            await handle.ReleaseAsync();
        }
        catch (StoreUnavailableException)
        {
            // allowed: the caller hears of the failure while the actor keeps retrying
        }

        // The actor tries again without being asked.
        var deletes = await WaitForCallsAsync(env.Timeline, sidecar, StorePrimitive.Delete, 2, a.Locks.Settings.TrustedLeaseFor(ttl));
        Assert.True(deletes >= 2, $"the failed release was tried {deletes} time(s) and then dropped");
        a.Store.ClearFaults();
        var gone = await env.WaitUntilSidecarGoneAsync(target, ttl);
        output.WriteLine(env.Timeline.Dump(e => e.Key == sidecar));
        Assert.True(gone is not null, "the sidecar is still there after the store recovered: the failed release was not retried");

        var renewalsAfterRelease = env.Timeline.Where(e => e.Is(sidecar, StorePrimitive.Replace, StoreEventKind.Called) && e.Timestamp > releaseAsked);
        Assert.True(renewalsAfterRelease.Count == 0, $"{renewalsAfterRelease.Count} renewal(s) were sent after the release was asked");
        Assert.False(handle.CheckLease());
    }

    [Theory]
    [InlineData("renewals-fail-and-another-system-takes-over")]
    [InlineData("another-process-overwrites-the-sidecar")]
    public async Task Plain_Ask_holder_learns_of_a_takeover_through_the_grant_lease(string how)
    {
        await using var env = new SharedStoreSystems("mem", TimeSpan.FromSeconds(1));
        var (a, target, _) = env.AddSystemAndTarget("A");
        var b = env.AddSystem("B");

        // The README's usage: a plain Ask, no NotifyLost; the LockLost message goes to a dead temporary actor.
        var granted = await a.Locks.Manager.Ask<LockGranted>(new Acquire(target, Ttl), TimeSpan.FromSeconds(5));
        var lost = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        granted.Lease.Lost.Register(() => lost.TrySetResult(Mono.Now));

        if (how.StartsWith("renewals", StringComparison.Ordinal))
        {
            a.Store.Every(StorePrimitive.Replace, StoreFault.FailBeforeApply);
            await using var taker = await b.Locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, AcquireTimeout = Ttl * 4 });
            var takenAt = Mono.Now;
            Assert.True(lost.Task.IsCompleted, "A's Lease.Lost had not fired when B was granted");
            Assert.True(await lost.Task < takenAt);
        }
        else
        {
            var key = LockTarget.Parse(target).Sidecar;
            var current = await env.Inner.ReadAsync(key);
            var usurper = granted.Metadata with { LockId = "usurper", FencingToken = granted.FencingToken + 1 };
            Assert.NotNull(await env.Inner.TryReplaceAsync(key, LockMetadataCodec.Encode(usurper), current!.Version));
            await lost.Task.WaitAsync(Ttl); // the next renewal finds the sidecar changed
        }

        Assert.False(granted.Lease.CheckLease());
        Assert.NotNull(granted.Lease.LostReason);
        output.WriteLine($"lost: {granted.Lease.LostReason}");
    }

    private static async Task<int> WaitForCallsAsync(StoreTimeline timeline, string sidecar, StorePrimitive primitive, int count, TimeSpan within)
    {
        var until = Mono.Add(Mono.Now, within);
        int seen;
        while ((seen = timeline.Where(e => e.Is(sidecar, primitive, StoreEventKind.Called)).Count) < count && Mono.Now < until)
        {
            await Task.Delay(20);
        }

        return seen;
    }

    /// <summary>An actor that acquires for itself (NotifyLost = Self), as an Akka user's worker would.</summary>
    private sealed class Acquirer : ReceiveActor
    {
        public Acquirer(IActorRef manager, string target, TimeSpan ttl, TaskCompletionSource<LockGranted> granted)
        {
            manager.Tell(new Acquire(target, ttl) { NotifyLost = Self });
            Receive<LockGranted>(g => granted.TrySetResult(g));
            Receive<Status.Failure>(f => granted.TrySetException(f.Cause));
            Receive<LockLost>(_ => { });
        }
    }
}
