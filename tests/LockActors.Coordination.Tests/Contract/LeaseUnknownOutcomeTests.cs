using Akka.Actor;
using Akka.Coordination;
using LockActors.Coordination;
using LockActors.Storage.Stores.Memory;
using LockActors.TestServers.Faults;
using Xunit;

namespace LockActors.Coordination.Tests.Contract;

/// <summary>
/// Acquire when the store fails, hangs or answers late: an exception (never true or false) when the outcome is
/// unknown, no grant left behind, and the lost-lease callback strictly after the acquire's task completed.
/// </summary>
public sealed class LeaseUnknownOutcomeTests : IAsyncLifetime
{
    private static readonly TimeSpan OperationTimeout = TimeSpan.FromMilliseconds(500);
    private readonly FaultInjectingStore _store = new(new MemoryLockStore());
    private LeaseNodes _nodes = null!;
    private ActorSystem _a = null!;
    private ActorSystem _b = null!;

    /// <inheritdoc />
    public Task InitializeAsync()
    {
        _nodes = new LeaseNodes(
            $"faulty://leases/{Guid.NewGuid():N}/",
            string.Empty,
            TimeSpan.FromSeconds(3),
            OperationTimeout,
            "lock-actors.store-operation-timeout = 5s",
            registry => registry.Register("faulty", _store));
        _a = _nodes.Start("node-a");
        _b = _nodes.Start("node-b");
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        _store.ClearFaults();
        _store.ReleaseHungCalls();
        await _nodes.DisposeAsync();
    }

    private static string NewLeaseName() => $"lease-{Guid.NewGuid():N}";

    [Fact]
    public async Task Store_down_fails_acquire_with_LeaseException_and_claims_nothing()
    {
        var name = NewLeaseName();
        var a = LeaseNodes.Lease(_a, name, "owner-a");
        _store.EveryCall(StoreFault.FailBeforeApply);
        await Assert.ThrowsAnyAsync<LeaseException>(() => a.Acquire());
        Assert.False(a.CheckLease());
        _store.ClearFaults();
        Assert.True(await LeaseNodes.Lease(_b, name, "owner-b").Acquire());
    }

    [Fact]
    public async Task Hanging_store_fails_acquire_with_LeaseTimeoutException_within_the_operation_timeout()
    {
        var a = LeaseNodes.Lease(_a, NewLeaseName(), "owner-a");
        _store.Every(StorePrimitive.Create, StoreFault.Hang());
        var started = DateTime.UtcNow;
        await Assert.ThrowsAsync<LeaseTimeoutException>(() => a.Acquire());
        Assert.True(DateTime.UtcNow - started < OperationTimeout + TimeSpan.FromSeconds(1), $"took {DateTime.UtcNow - started}");
        Assert.False(a.CheckLease());
    }

    [Fact]
    public async Task Grant_that_lands_after_the_timeout_is_released_for_the_next_owner()
    {
        var name = NewLeaseName();
        var a = LeaseNodes.Lease(_a, name, "owner-a");
        // The create is applied at once but answered only after the lease's operation timeout.
        _store.Next(StorePrimitive.Create, StoreFault.DelayAfterApply(OperationTimeout + TimeSpan.FromMilliseconds(300)));
        await Assert.ThrowsAsync<LeaseTimeoutException>(() => a.Acquire());
        Assert.False(a.CheckLease());

        var b = LeaseNodes.Lease(_b, name, "owner-b");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!await b.Acquire())
        {
            Assert.True(DateTime.UtcNow < deadline, "the late grant of owner-a was never released");
            await Task.Delay(100);
        }

        Assert.False(a.CheckLease());
    }

    [Fact]
    public async Task Lease_lost_right_after_the_grant_calls_back_only_after_acquire_completed()
    {
        for (var round = 0; round < 5; round++)
        {
            var ttl = TimeSpan.FromSeconds(3);
            var settings = new LeaseSettings(NewLeaseName(), "owner-a", new TimeoutSettings(ttl / 4, ttl, TimeSpan.FromSeconds(10)), _a.Settings.Config.GetConfig(LockActorsLease.ConfigPath));
            var lease = new LockActorsLease(settings, (ExtendedActorSystem)_a);
            // The grant arrives with little of its lease left and no renewal can land: it is lost at once.
            _store.ClearFaults();
            _store.Next(StorePrimitive.Create, StoreFault.DelayAfterApply(TimeSpan.FromMilliseconds(2100 + (round * 60))));
            _store.Every(StorePrimitive.Replace, StoreFault.FailBeforeApply);
            Task<bool>? acquire = null;
            var seen = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            acquire = lease.Acquire(_ => seen.TrySetResult(Volatile.Read(ref acquire)?.IsCompleted == true));
            try
            {
                Assert.True(await acquire);
                Assert.True(await seen.Task.WaitAsync(TimeSpan.FromSeconds(10)), "the lost callback ran before the acquire's task completed");
            }
            catch (LeaseException)
            {
                // The grant came back with no certain time left: refused as unknown, and no callback for it.
                await Task.Delay(200);
                Assert.False(seen.Task.IsCompleted);
            }

            Assert.False(lease.CheckLease());
        }
    }
}
