using LockActors.Client;
using LockActors.TestServers.Faults;
using Xunit;
using Xunit.Abstractions;

namespace LockActors.Tests.Telemetry;

/// <summary><c>lockactors.store.operation.duration</c> and <c>lockactors.store.errors</c>, measured once around the actors' store.</summary>
public sealed class StoreMetricsTests(ITestOutputHelper output) : TelemetryTestKit(output)
{
    private const string Duration = "lockactors.store.operation.duration";

    [Fact]
    public async Task Every_primitive_the_actors_call_is_timed_under_its_name()
    {
        var target = NewTarget();
        var handle = await Locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl }); // try_create
        await Locks.Client.GetInfoAsync(NewTarget());                                       // read
        await handle.ReleaseAsync();                                                        // try_delete
        var stale = NewTarget();
        await PlantAsync(stale, TimeSpan.FromMilliseconds(100), 5);
        await Task.Delay(300);
        await using (await Locks.Client.AcquireAsync(stale, new LockOptions { Ttl = Ttl }))  // try_create (refused), read, try_replace
        {
        }

        foreach (var primitive in new[] { "try_create", "read", "try_replace", "try_delete" })
        {
            var measured = Metrics.Of(Duration, ("lockactors.store.primitive", primitive));
            Assert.True(measured.Count > 0, $"no {primitive} measured");
            Assert.All(measured, m => Assert.True(m.Value is >= 0 and < 5, $"{primitive} took {m.Value} s"));
            Assert.All(measured, m => Assert.Null(m.Tag("error.type")));
        }

        Assert.Equal(Store.Calls(StorePrimitive.Create), Metrics.Of(Duration, ("lockactors.store.primitive", "try_create")).Count);
        Assert.Empty(Metrics.Of("lockactors.store.errors"));
    }

    [Fact]
    public async Task Store_errors_are_counted_by_primitive_and_type()
    {
        const string unavailable = "LockActors.Storage.StoreUnavailableException";
        Store.EveryCall(StoreFault.FailBeforeApply);
        await Assert.ThrowsAsync<LockActors.Storage.StoreUnavailableException>(() => Locks.Client.TryAcquireAsync(NewTarget(), new LockOptions { Ttl = Ttl }));
        Store.ClearFaults();

        // The create failed with an unknown outcome, and so did the re-read that was to settle it.
        var create = Assert.Single(Metrics.Of("lockactors.store.errors", ("lockactors.store.primitive", "try_create")));
        Assert.Equal(unavailable, create.Tag("error.type"));
        Assert.Single(Metrics.Of(Duration, ("lockactors.store.primitive", "try_create"), ("error.type", unavailable)));
        Assert.NotEmpty(Metrics.Of("lockactors.store.errors", ("lockactors.store.primitive", "read"), ("error.type", unavailable)));

        // A read that hangs is cancelled by the actor's store-operation timeout: counted as the cancellation it ends with.
        // (Counted from here: the first target's actor may still re-read to clean up its unconfirmed create.)
        var before = Metrics.Of("lockactors.store.errors", ("lockactors.store.primitive", "read")).Count;
        Store.Every(StorePrimitive.Read, StoreFault.Hang());
        await Assert.ThrowsAsync<LockActors.Storage.StoreUnavailableException>(() => Locks.Client.GetInfoAsync(NewTarget()));
        Store.ClearFaults();
        await MetricsRecorder.Eventually(() => Metrics.Of("lockactors.store.errors", ("lockactors.store.primitive", "read")).Count > before, TimeSpan.FromSeconds(5), "the hung read is counted");
        // Its type is the cancellation's, or the fault's own error when the test released the hung call first.
        Assert.All(Metrics.Of("lockactors.store.errors", ("lockactors.store.primitive", "read")), m => Assert.NotNull(m.Tag("error.type")));
    }
}
