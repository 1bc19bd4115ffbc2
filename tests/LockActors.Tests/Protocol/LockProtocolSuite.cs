using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using LockActors.Actors;
using LockActors.Client;
using LockActors.Configuration;
using LockActors.Messages;
using LockActors.Storage;
using LockActors.TestServers.Backends;
using Xunit;
using Xunit.Abstractions;
using LockActors.TestServers.Actors;

namespace LockActors.Tests.Protocol;

/// <summary>
/// The lock protocol, proved through the actors against one backend. Every store runs this suite unchanged
/// through a small subclass that supplies a <see cref="StoreUnderTest"/>.
/// </summary>
public abstract class LockProtocolSuite : Akka.TestKit.Xunit2.TestKit
{
    private readonly OtherSystems _otherSystems = new();

    protected LockProtocolSuite(StoreUnderTest store, ITestOutputHelper output)
        : this(store, Config.Empty, output)
    {
    }

    /// <summary>The suite with <paramref name="extra"/> HOCON for the test's own actor system only (cluster mode, for one);
    /// <see cref="OtherProcess"/> systems keep the plain configuration.</summary>
    protected LockProtocolSuite(StoreUnderTest store, Config extra, ITestOutputHelper output)
        : base(extra.WithFallback(SystemConfig(store)), output: output)
    {
        Store = store;
        Locks = LockActorsExtension.Get(Sys);
    }

    /// <summary>False where a custom <see cref="StalePolicy"/> delegate cannot run (cluster mode: it would run on another node).</summary>
    protected virtual bool SupportsCustomStalePolicies => true;

    protected StoreUnderTest Store { get; }

    protected LockActorsExtension Locks { get; }

    protected LockClient Client => Locks.Client;

    protected TimeSpan Ttl => Store.ShortTtl;

    private static Config SystemConfig(StoreUnderTest store) =>
        ConfigurationFactory.ParseString(store.Hocon + "\nlock-actors.passivate-after = 2s\nlock-actors.poll-interval = 50ms\nlock-actors.max-poll-interval = 250ms\nakka.loglevel = INFO")
            .WithFallback(LockActorsSettings.ReferenceConfig);

    /// <summary>A second, independent actor system on the same store: it behaves like another process.</summary>
    protected LockActorsExtension OtherProcess()
    {
        return LockActorsExtension.Get(_otherSystems.Start("other-" + _otherSystems.Count, SystemConfig(Store)));
    }

    protected override void AfterAll()
    {
        _otherSystems.TerminateAll();
        base.AfterAll();
    }

    protected string NewTarget(string name = "file.csv") => Store.NewTargetUri(name);

    private Task<LockGranted> AskAcquire(IActorRef manager, Acquire acquire) => manager.Ask<LockGranted>(acquire, TimeSpan.FromSeconds(30));

    [Fact]
    public async Task Acquire_on_a_free_target_grants_with_metadata_and_a_fencing_token()
    {
        var target = NewTarget();
        var granted = await AskAcquire(Locks.Manager, new Acquire(target, Ttl) { OwnerId = "worker-1" });
        Assert.Equal(LockTarget.Parse(target).Normalized, granted.Target);
        Assert.Equal("worker-1", granted.Metadata.OwnerId);
        Assert.Equal(Environment.ProcessId, granted.Metadata.ProcessId);
        Assert.Equal(Ttl, granted.Metadata.Ttl);
        Assert.True(granted.FencingToken > 0);
        var info = await Client.GetInfoAsync(target);
        Assert.True(info.IsHeld);
        Assert.Equal(granted.LockId, info.Metadata!.LockId);
    }

    [Fact]
    public async Task Acquire_of_a_held_lock_without_waiting_fails_with_LockAlreadyHeld_naming_the_holder()
    {
        var target = NewTarget();
        var first = await AskAcquire(Locks.Manager, new Acquire(target, Ttl) { OwnerId = "first" });
        var error = await Assert.ThrowsAsync<LockAlreadyHeldException>(() => AskAcquire(Locks.Manager, new Acquire(target, Ttl)));
        Assert.Equal(first.LockId, error.Holder!.LockId);
        Assert.Equal("first", error.Holder.OwnerId);
    }

    [Fact]
    public async Task Acquire_held_by_another_process_fails_with_LockAlreadyHeld_naming_the_holder()
    {
        var target = NewTarget();
        await using var held = await Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, OwnerId = "process-a" });
        var other = OtherProcess();
        Assert.Null(await other.Client.TryAcquireAsync(target, new LockOptions { Ttl = Ttl }));
        var error = await Assert.ThrowsAsync<LockAlreadyHeldException>(() => AskAcquire(other.Manager, new Acquire(target, Ttl)));
        Assert.Equal("process-a", error.Holder!.OwnerId);
    }

    [Fact]
    public async Task Waiters_are_served_in_fifo_order_after_each_release()
    {
        var target = NewTarget();
        var first = await Client.AcquireAsync(target, new LockOptions { Ttl = Ttl });
        var order = new System.Collections.Concurrent.ConcurrentQueue<int>();
        // Each AcquireAsync sends its request before returning, so the five are queued in this order.
        var waiting = Enumerable.Range(1, 5)
            .Select(i => Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, AcquireTimeout = TimeSpan.FromSeconds(30) })
                .ContinueWith(t =>
                {
                    order.Enqueue(i);
                    return t.Result;
                }, TaskScheduler.Default))
            .ToList();
        await first.ReleaseAsync();
        while (waiting.Count > 0)
        {
            var granted = await Task.WhenAny(waiting);
            waiting.Remove(granted);
            Assert.DoesNotContain(waiting, w => w.IsCompletedSuccessfully); // exclusive: nobody else holds it meanwhile
            await (await granted).ReleaseAsync();
        }

        Assert.Equal([1, 2, 3, 4, 5], order);
    }

    [Fact]
    public async Task Waiter_for_a_lock_held_by_another_process_gets_it_after_release()
    {
        var target = NewTarget();
        var other = OtherProcess();
        var held = await other.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl });
        var waiting = Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, AcquireTimeout = TimeSpan.FromSeconds(20) });
        await Task.Delay(300);
        Assert.False(waiting.IsCompleted);
        await held.ReleaseAsync();
        await using var mine = await waiting;
        Assert.True(mine.FencingToken > held.FencingToken);
    }

    [Fact]
    public async Task Waiter_times_out_with_LockAcquireTimeout_and_the_holder_keeps_the_lock()
    {
        var target = NewTarget();
        await using var held = await Client.AcquireAsync(target, new LockOptions { Ttl = Ttl });
        var watch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<LockAcquireTimeoutException>(() =>
            Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, AcquireTimeout = TimeSpan.FromMilliseconds(300) }));
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(250), $"gave up after {watch.Elapsed}");
        Assert.Equal(LockTarget.Parse(target).Normalized, error.Target);
        Assert.Equal(held.LockId, (await Client.GetInfoAsync(target)).Metadata!.LockId);
    }

    /// <summary>The queue has one wait timer, for its earliest deadline: a later, shorter wait re-arms it, and a
    /// waiter that left before its deadline leaves it armed for nobody, re-armed for the next when it fires.</summary>
    [Fact]
    public async Task Waiters_time_out_at_their_own_deadlines_whatever_the_queue_order()
    {
        var target = NewTarget();
        var held = await Client.AcquireAsync(target, new LockOptions { Ttl = Ttl });
        var patient = Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, AcquireTimeout = TimeSpan.FromSeconds(60) });
        using var leaves = new CancellationTokenSource();
        var leaving = Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, AcquireTimeout = TimeSpan.FromMilliseconds(400) }, leaves.Token);
        var watch = Stopwatch.StartNew();
        var hasty = Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, AcquireTimeout = TimeSpan.FromMilliseconds(900) });
        await leaves.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leaving);

        await Assert.ThrowsAsync<LockAcquireTimeoutException>(() => hasty);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(850), $"gave up after {watch.Elapsed}");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"gave up only after {watch.Elapsed}: the timer was armed for the patient waiter");
        var late = Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, AcquireTimeout = TimeSpan.FromMilliseconds(300) });
        await Assert.ThrowsAsync<LockAcquireTimeoutException>(() => late);
        Assert.False(patient.IsCompleted);

        await held.ReleaseAsync();
        await using var handle = await patient;
        Assert.Equal(handle.LockId, (await Client.GetInfoAsync(target)).Metadata!.LockId);
    }

    [Fact]
    public async Task Cancelled_waiter_is_withdrawn_and_the_next_waiter_is_served()
    {
        var target = NewTarget();
        var held = await Client.AcquireAsync(target, new LockOptions { Ttl = Ttl });
        using var cancel = new CancellationTokenSource();
        var cancelled = Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, AcquireTimeout = TimeSpan.FromSeconds(20) }, cancel.Token);
        await Task.Delay(100);
        var next = Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, AcquireTimeout = TimeSpan.FromSeconds(20) });
        await Task.Delay(100);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        await held.ReleaseAsync();
        await using var handle = await next;
        Assert.Equal(handle.LockId, (await Client.GetInfoAsync(target)).Metadata!.LockId);
    }

    [Fact]
    public async Task Release_by_a_non_owner_fails_and_leaves_the_lock_intact()
    {
        var target = NewTarget();
        var granted = await AskAcquire(Locks.Manager, new Acquire(target, Ttl));
        var error = await Assert.ThrowsAsync<LockNotHeldException>(() => Locks.Manager.Ask<LockReleased>(new Release(target, "somebody-else"), TimeSpan.FromSeconds(10)));
        Assert.Equal("somebody-else", error.LockId);
        var fromOther = OtherProcess();
        await Assert.ThrowsAsync<LockNotHeldException>(() => fromOther.Manager.Ask<LockReleased>(new Release(target, "forged"), TimeSpan.FromSeconds(10)));
        Assert.Equal(granted.LockId, (await Client.GetInfoAsync(target)).Metadata!.LockId);
    }

    [Fact]
    public async Task Release_with_the_lock_id_from_another_actor_system_is_honoured_by_the_sidecar()
    {
        var target = NewTarget();
        var granted = await AskAcquire(OtherProcess().Manager, new Acquire(target, Ttl));
        await Locks.Manager.Ask<LockReleased>(new Release(target, granted.LockId), TimeSpan.FromSeconds(10));
        Assert.False((await Client.GetInfoAsync(target)).IsHeld);
    }

    [Fact]
    public async Task Heartbeats_keep_a_short_ttl_lock_held_well_beyond_its_ttl()
    {
        var target = NewTarget();
        await using var held = await Client.AcquireAsync(target, new LockOptions { Ttl = Ttl });
        await AssertHeldWellBeyondItsTtlAsync(target, held);
    }

    /// <summary>The heartbeat timer is left armed for a released grant's renewal: the next grants are renewed on time all the same.</summary>
    [Fact]
    public async Task Heartbeats_keep_a_lock_held_that_was_granted_right_after_released_ones()
    {
        var target = NewTarget();
        for (var i = 0; i < 5; i++)
        {
            await using var brief = await Client.AcquireAsync(target, new LockOptions { Ttl = Ttl });
            await Task.Delay(Ttl / 10);
        }

        await using var held = await Client.AcquireAsync(target, new LockOptions { Ttl = Ttl });
        await AssertHeldWellBeyondItsTtlAsync(target, held);
    }

    private async Task AssertHeldWellBeyondItsTtlAsync(string target, LockHandle held)
    {
        var other = OtherProcess();
        var until = DateTime.UtcNow + (Ttl * 2.5);
        while (DateTime.UtcNow < until)
        {
            Assert.Null(await other.Client.TryAcquireAsync(target, new LockOptions { Ttl = Ttl }));
            await Task.Delay(Ttl / 4);
        }

        Assert.False(held.HandleLost.IsCancellationRequested, held.LostReason);
        Assert.True(held.CheckLease(), held.LostReason);
        Assert.Equal(held.LockId, (await other.Client.GetInfoAsync(target)).Metadata!.LockId);
    }

    [Fact]
    public async Task Stale_lock_of_a_dead_holder_is_taken_over_only_after_its_ttl_with_a_higher_token()
    {
        var target = NewTarget();
        var watch = Stopwatch.StartNew(); // from before the dead holder's last write: staleness counts from that write
        var dead = await PlantForeignLockAsync(target, Ttl, token: 42);
        var other = OtherProcess();
        await using var handle = await other.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, AcquireTimeout = Ttl * 5 });
        Assert.True(watch.Elapsed >= Ttl - TimeSpan.FromMilliseconds(300), $"taken over after {watch.Elapsed}, TTL {Ttl}");
        Assert.NotEqual(dead.LockId, handle.LockId);
        Assert.True(handle.FencingToken > 42);
    }

    [Fact]
    public async Task Stale_policy_never_refuses_takeover()
    {
        var target = NewTarget();
        await PlantForeignLockAsync(target, Ttl, token: 7);
        await Task.Delay(Ttl * 2);
        var error = await Assert.ThrowsAsync<LockAlreadyHeldException>(() =>
            Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, OnStale = StalePolicy.Never, AcquireTimeout = TimeSpan.Zero }));
        Assert.Equal("dead-owner", error.Holder!.OwnerId);
        var info = await Client.GetInfoAsync(target);
        Assert.True(info.IsStale);
        Assert.True(info.Age > Ttl);
    }

    [Fact]
    public async Task Stale_policy_sees_the_stale_holder_metadata()
    {
        var target = NewTarget();
        await PlantForeignLockAsync(target, Ttl, token: 9);
        await Task.Delay(Ttl * 2);
        StaleLock? seen = null;
        var policy = StalePolicy.When(s =>
        {
            seen = s;
            return s.Metadata?.OwnerId == "dead-owner";
        });
        if (!SupportsCustomStalePolicies)
        {
            await Assert.ThrowsAsync<InvalidLockRequestException>(() => Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, OnStale = policy }));
            return;
        }

        await using var handle = await Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, OnStale = policy });
        Assert.NotNull(seen);
        Assert.True(seen.Age > Ttl);
        Assert.Equal(9, seen.Metadata!.FencingToken);
    }

    [Fact]
    public async Task Holder_learns_it_lost_the_lock_when_another_process_takes_the_sidecar()
    {
        var target = NewTarget();
        var lostProbe = CreateTestProbe();
        var granted = await AskAcquire(Locks.Manager, new Acquire(target, Ttl) { NotifyLost = lostProbe.Ref });
        await using var viaClient = await OtherProcess().Client.AcquireAsync(NewTarget(), new LockOptions { Ttl = Ttl });
        await OverwriteSidecarAsync(target, "usurper");
        var lost = lostProbe.ExpectMsg<LockLost>(Ttl * 2);
        Assert.Equal(granted.LockId, lost.LockId);
        Assert.Equal("usurper", (await Client.GetInfoAsync(target)).Metadata!.OwnerId);
    }

    [Fact]
    public async Task Handle_lost_token_is_cancelled_when_the_lock_is_lost()
    {
        var target = NewTarget();
        var handle = await Client.AcquireAsync(target, new LockOptions { Ttl = Ttl });
        await OverwriteSidecarAsync(target, "usurper");
        var lost = new TaskCompletionSource();
        handle.HandleLost.Register(() => lost.TrySetResult());
        await lost.Task.WaitAsync(Ttl * 2);
        Assert.NotNull(handle.LostReason);
        await handle.DisposeAsync(); // releasing a lost lock is not an error for Dispose
        Assert.Equal("usurper", (await Client.GetInfoAsync(target)).Metadata!.OwnerId);
    }

    [Fact]
    public async Task Release_by_previous_holder_after_takeover_leaves_new_lock_intact()
    {
        var target = NewTarget();
        var old = await AskAcquire(Locks.Manager, new Acquire(target, Ttl) { NotifyLost = ActorRefs.Nobody });
        await OverwriteSidecarAsync(target, "new-holder");
        var error = await Assert.ThrowsAsync<LockNotHeldException>(() => Locks.Manager.Ask<LockReleased>(new Release(target, old.LockId), TimeSpan.FromSeconds(10)));
        Assert.Equal(old.LockId, error.LockId);
        Assert.Equal("new-holder", (await Client.GetInfoAsync(target)).Metadata!.OwnerId);
    }

    [Fact]
    public async Task Fencing_tokens_grow_with_every_grant_across_processes()
    {
        var target = NewTarget();
        var other = OtherProcess();
        var tokens = new List<long>();
        for (var i = 0; i < 6; i++)
        {
            var client = i % 2 == 0 ? Client : other.Client;
            await using var handle = await client.AcquireAsync(target, new LockOptions { Ttl = Ttl });
            tokens.Add(handle.FencingToken);
        }

        Assert.Equal(tokens.OrderBy(t => t).Distinct(), tokens);
    }

    [Fact]
    public async Task GetInfo_reports_holder_metadata_and_age_and_free_targets()
    {
        var target = NewTarget();
        Assert.False((await Client.GetInfoAsync(target)).IsHeld);
        await using var held = await Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, OwnerId = "reporter" });
        var fromElsewhere = await OtherProcess().Client.GetInfoAsync(target);
        Assert.True(fromElsewhere.IsHeld);
        Assert.False(fromElsewhere.HeldLocally);
        Assert.False(fromElsewhere.IsStale);
        Assert.Equal("reporter", fromElsewhere.Metadata!.OwnerId);
        Assert.True(fromElsewhere.Age < Ttl);
    }

    [Fact]
    public async Task Corrupt_sidecar_is_a_typed_error_and_is_left_untouched()
    {
        var target = NewTarget();
        var key = LockTarget.Parse(target).Sidecar;
        var store = Locks.Stores.Resolve(key.Target);
        Assert.NotNull(await store.TryCreateAsync(key, "definitely not json"u8.ToArray()));
        var error = await Assert.ThrowsAsync<CorruptSidecarException>(() => AskAcquire(Locks.Manager, new Acquire(target, Ttl)));
        Assert.Equal(key, error.Key);
        await Assert.ThrowsAsync<CorruptSidecarException>(() => Client.GetInfoAsync(target));
        var after = await store.ReadAsync(key);
        Assert.Equal("definitely not json", System.Text.Encoding.UTF8.GetString(after!.Content.Span));
    }

    [Fact]
    public async Task WithLock_releases_on_success_and_on_exception()
    {
        var target = NewTarget();
        var result = await Client.WithLockAsync(target, async handle =>
        {
            Assert.True((await Client.GetInfoAsync(target)).IsHeld);
            return handle.FencingToken;
        }, new LockOptions { Ttl = Ttl });
        Assert.True(result > 0);
        Assert.False((await Client.GetInfoAsync(target)).IsHeld);
        await Assert.ThrowsAsync<InvalidOperationException>(() => Client.WithLockAsync(target, _ => throw new InvalidOperationException("boom"), new LockOptions { Ttl = Ttl }));
        Assert.False((await Client.GetInfoAsync(target)).IsHeld);
        Assert.Equal(0, Client.HeldCount);
    }

    [Fact]
    public async Task Restarted_actor_rebuilds_from_the_sidecar_and_keeps_renewing()
    {
        var target = NewTarget();
        var handle = await Client.AcquireAsync(target, new LockOptions { Ttl = Ttl });
        Locks.Manager.Tell(new CrashForTest(target, "injected failure"));
        var other = OtherProcess();
        var until = DateTime.UtcNow + (Ttl * 2.5);
        while (DateTime.UtcNow < until)
        {
            Assert.Null(await other.Client.TryAcquireAsync(target, new LockOptions { Ttl = Ttl }));
            await Task.Delay(Ttl / 4);
        }

        Assert.False(handle.HandleLost.IsCancellationRequested, handle.LostReason);
        await handle.ReleaseAsync();
        Assert.False((await Client.GetInfoAsync(target)).IsHeld);
    }

    [Fact]
    public async Task Idle_target_actors_passivate_and_come_back_on_demand()
    {
        var targets = Enumerable.Range(0, 20).Select(i => NewTarget($"p{i}.csv")).ToArray();
        var handles = new List<LockHandle>();
        foreach (var target in targets)
        {
            handles.Add(await Client.AcquireAsync(target, new LockOptions { Ttl = Ttl }));
        }

        Assert.True(await ChildCount() >= 20, "an actor holding a lock never passivates");
        foreach (var handle in handles)
        {
            await handle.ReleaseAsync();
        }

        await AwaitAssertAsync(async () => Assert.Equal(0, await ChildCount()), TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(200));
        await using var again = await Client.AcquireAsync(targets[0], new LockOptions { Ttl = Ttl });
        Assert.Equal(1, await ChildCount());
    }

    private Task<int> ChildCount() => Locks.Manager.Ask<int>(LockManager.GetChildCount.Instance, TimeSpan.FromSeconds(5));

    /// <summary>Writes a sidecar as a process that then died would have left it.</summary>
    protected async Task<LockMetadata> PlantForeignLockAsync(string target, TimeSpan ttl, long token)
    {
        var key = LockTarget.Parse(target).Sidecar;
        var now = DateTimeOffset.UtcNow;
        var metadata = new LockMetadata("dead-" + Guid.NewGuid().ToString("N"), "dead-owner", "gone-host", 999999, now, now, ttl, token);
        Assert.NotNull(await Locks.Stores.Resolve(key.Target).TryCreateAsync(key, LockMetadataCodec.Encode(metadata)));
        return metadata;
    }

    /// <summary>Replaces the sidecar as a foreign process would after a takeover.</summary>
    protected async Task OverwriteSidecarAsync(string target, string owner)
    {
        var key = LockTarget.Parse(target).Sidecar;
        var store = Locks.Stores.Resolve(key.Target);
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var current = await store.ReadAsync(key);
            var now = DateTimeOffset.UtcNow;
            var metadata = new LockMetadata("foreign-" + Guid.NewGuid().ToString("N"), owner, "elsewhere", 1, now, now, TimeSpan.FromMinutes(5), long.MaxValue / 2);
            if (await store.TryReplaceAsync(key, LockMetadataCodec.Encode(metadata), current!.Version) is not null)
            {
                return;
            }
        }

        Assert.Fail("could not overwrite the sidecar");
    }
}
