using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using LockActors.Client;
using LockActors.Configuration;
using LockActors.Messages;
using LockActors.Storage;
using LockActors.Storage.Stores.Memory;
using LockActors.TestServers.Faults;
using Xunit;
using Xunit.Abstractions;

namespace LockActors.Tests.Faults;

/// <summary>The actors under a store that fails, hangs or cannot be trusted, and the store traffic they cause.</summary>
public sealed class StoreFaultTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(3);
    private readonly FaultInjectingStore _store;
    private readonly LockActorsExtension _locks;

    public StoreFaultTests(ITestOutputHelper output)
        : this(new FaultInjectingStore(new MemoryLockStore()), output)
    {
    }

    private StoreFaultTests(FaultInjectingStore store, ITestOutputHelper output)
        : base(ActorSystemSetup.Create(
            BootstrapSetup.Create().WithConfig(ConfigurationFactory.ParseString("lock-actors.store-operation-timeout = 1s\nlock-actors.poll-interval = 50ms").WithFallback(LockActorsSettings.ReferenceConfig)),
            new LockActorsSetup(registry => registry.Register("faulty", store))), output: output)
    {
        _store = store;
        _locks = LockActorsExtension.Get(Sys);
    }

    private static string NewTarget() => $"faulty://ns/{Guid.NewGuid():N}/f.csv";

    [Fact]
    public async Task Store_down_at_acquire_gives_StoreUnavailable_and_claims_nothing()
    {
        var target = NewTarget();
        _store.EveryCall(StoreFault.FailBeforeApply);
        await Assert.ThrowsAsync<StoreUnavailableException>(() => _locks.Client.TryAcquireAsync(target, new LockOptions { Ttl = Ttl }));
        // A waiting acquire retries transient errors within its wait, and names the last one if the wait runs out.
        var timeout = await Assert.ThrowsAsync<LockAcquireTimeoutException>(() => _locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, AcquireTimeout = TimeSpan.FromMilliseconds(600) }));
        Assert.IsType<StoreUnavailableException>(timeout.InnerException);
        Assert.True(_store.Calls(StorePrimitive.Create) >= 3, $"a waiting acquire retried {_store.Calls(StorePrimitive.Create)} times");
        _store.ClearFaults();
        Assert.False((await _locks.Client.GetInfoAsync(target)).IsHeld);
        await using var handle = await _locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl });
    }

    [Fact]
    public async Task Creates_that_fail_while_reads_succeed_are_retried_with_back_off_not_in_a_loop()
    {
        var target = NewTarget();
        _store.Every(StorePrimitive.Create, StoreFault.FailBeforeApply); // the re-read finds nothing: the write did not land
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await Assert.ThrowsAsync<StoreUnavailableException>(() => _locks.Client.TryAcquireAsync(target, new LockOptions { Ttl = Ttl }));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"a non-waiting acquire took {watch.Elapsed}");
        Assert.True(_store.Calls(StorePrimitive.Create) <= 2, $"a non-waiting acquire sent {_store.Calls(StorePrimitive.Create)} creates");

        _store.ResetCounts();
        await Assert.ThrowsAsync<LockAcquireTimeoutException>(() => _locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, AcquireTimeout = TimeSpan.FromSeconds(1) }));
        // poll-interval 50 ms with back-off: a handful of creates in a second, not thousands.
        Assert.InRange(_store.Calls(StorePrimitive.Create), 2, 40);
        _store.ClearFaults();
        await using var handle = await _locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl });
    }

    [Fact]
    public async Task Hanging_store_at_acquire_times_out_as_StoreUnavailable()
    {
        var target = NewTarget();
        _store.EveryCall(StoreFault.Hang());
        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => _locks.Client.TryAcquireAsync(target, new LockOptions { Ttl = Ttl }));
        Assert.Contains("did not answer", error.Message, StringComparison.Ordinal);
        _store.ClearFaults();
    }

    [Theory]
    [InlineData("down")]
    [InlineData("hanging")]
    public async Task Holder_whose_renewals_fail_is_told_LockLost_before_its_ttl_ends(string fault)
    {
        var target = NewTarget();
        var probe = CreateTestProbe();
        var granted = await _locks.Manager.Ask<LockGranted>(new Acquire(target, Ttl) { NotifyLost = probe.Ref }, TimeSpan.FromSeconds(10));
        await Task.Delay(Ttl / 2); // at least one renewal succeeded
        _store.EveryCall(fault == "down" ? StoreFault.FailBeforeApply : StoreFault.Hang());
        var lost = probe.ExpectMsg<LockLost>(Ttl * 2);
        var lostAt = DateTimeOffset.UtcNow;
        // Read only now: a renewal already in flight when the fault was switched on may still have succeeded.
        var lastReplace = _store.Timeline.Where(e => e.Primitive == StorePrimitive.Replace && e.IsSuccessfulWrite).LastOrDefault();
        var lastGoodWrite = lastReplace is null ? granted.Metadata.CreatedAt : lastReplace.CallStartedAt;
        _store.ClearFaults();
        Assert.Equal(granted.LockId, lost.LockId);
        Assert.True(lostAt < lastGoodWrite + Ttl, $"told {lostAt - lastGoodWrite} after the last good renewal; TTL {Ttl}");
    }

    [Fact]
    public async Task Release_while_the_store_is_down_stops_renewing_and_the_actor_removes_the_sidecar_once_the_store_is_back()
    {
        var target = NewTarget();
        var handle = await _locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl });
        _store.EveryCall(StoreFault.FailBeforeApply);
        await Assert.ThrowsAsync<StoreUnavailableException>(() => handle.ReleaseAsync());
        Assert.False(handle.CheckLease()); // released by its caller: no longer certainly held, whatever the store says
        var replacesAtRelease = _store.Calls(StorePrimitive.Replace);
        _store.ClearFaults();
        await AwaitConditionAsync(async () => !(await _locks.Client.GetInfoAsync(target)).IsHeld, Ttl);
        Assert.Equal(replacesAtRelease, _store.Calls(StorePrimitive.Replace)); // no renewal after the release was asked
        await Assert.ThrowsAsync<LockNotHeldException>(() => handle.ReleaseAsync()); // the actor already removed it
        await handle.DisposeAsync(); // and disposing is never an error
    }

    [Fact]
    public async Task Store_that_cannot_create_atomically_is_refused()
    {
        _store.CapabilitiesOverride = _store.Capabilities with { AtomicCreate = false, Mechanism = "test: not atomic" };
        try
        {
            var error = await Assert.ThrowsAsync<StoreNotSafeException>(() => _locks.Client.AcquireAsync(NewTarget(), new LockOptions { Ttl = Ttl }));
            Assert.Contains("not atomic", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            _store.CapabilitiesOverride = null;
        }
    }

    [Fact]
    public async Task Uncontended_acquire_release_and_renewal_cost_one_store_call_each()
    {
        var target = NewTarget();
        _store.ResetCounts();
        var granted = await _locks.Manager.Ask<LockGranted>(new Acquire(target, Ttl), TimeSpan.FromSeconds(10));
        Assert.Equal((1, 0, 0, 0), (_store.Calls(StorePrimitive.Create), _store.Calls(StorePrimitive.Read), _store.Calls(StorePrimitive.Replace), _store.Calls(StorePrimitive.Delete)));
        await AwaitConditionAsync(() => Task.FromResult(_store.Calls(StorePrimitive.Replace) >= 1), Ttl);
        Assert.Equal((1, 0, 1, 0), (_store.Calls(StorePrimitive.Create), _store.Calls(StorePrimitive.Read), _store.Calls(StorePrimitive.Replace), _store.Calls(StorePrimitive.Delete)));
        await _locks.Manager.Ask<LockReleased>(new Release(target, granted.LockId), TimeSpan.FromSeconds(10));
        Assert.Equal(1, _store.Calls(StorePrimitive.Delete));
        Assert.Equal(0, _store.Calls(StorePrimitive.Read));
    }

    [Fact]
    public async Task Local_waiters_are_handed_the_lock_without_polling_the_store()
    {
        var target = NewTarget();
        _store.ResetCounts();
        const int callers = 16;
        var holds = Enumerable.Range(0, callers).Select(async _ =>
        {
            await using var handle = await _locks.Client.AcquireAsync(target, new LockOptions { Ttl = TimeSpan.FromSeconds(30) });
            await Task.Delay(5);
        }).ToArray();
        await Task.WhenAll(holds);
        // One create, one compare-and-swap per hand-off, one delete at the end; no reads, no polling.
        Assert.Equal(0, _store.Calls(StorePrimitive.Read));
        Assert.Equal(1, _store.Calls(StorePrimitive.Create));
        Assert.Equal(callers - 1, _store.Calls(StorePrimitive.Replace));
        Assert.Equal(1, _store.Calls(StorePrimitive.Delete));
    }

    [Fact]
    public async Task Holder_is_told_LockLost_when_its_lock_actor_stops_for_good()
    {
        var target = NewTarget();
        var handle = await _locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl });
        var child = await LockActors.Actors.LockManager.ChildOf(_locks.Manager, target, TimeSpan.FromSeconds(5));
        Assert.False(child.IsNobody());
        Sys.Stop(child);
        var lost = new TaskCompletionSource();
        handle.HandleLost.Register(() => lost.TrySetResult());
        await lost.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Contains("stopped", handle.LostReason, StringComparison.Ordinal);
    }
}
