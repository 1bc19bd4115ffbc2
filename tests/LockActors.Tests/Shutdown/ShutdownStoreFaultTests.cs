using System.Diagnostics;
using LockActors.Client;
using LockActors.Storage.Stores.Memory;
using LockActors.TestServers.Faults;
using Xunit;
using Xunit.Abstractions;

namespace LockActors.Tests.Shutdown;

/// <summary>A store that cannot be reached during shutdown does not hold the shutdown up beyond its bound.</summary>
public sealed class ShutdownStoreFaultTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_store_that_hangs_on_delete_delays_the_shutdown_only_by_the_release_timeout_and_its_sidecar_is_left_to_expire()
    {
        using var scenario = new ShutdownScenario("mem", output, targets: 1);
        var inner = new MemoryLockStore();
        var faulty = new FaultInjectingStore(inner);
        var target = $"faulty://ns/{Guid.NewGuid():N}/a.csv";
        var system = scenario.NewSystem("first", "lock-actors.shutdown-release-timeout = 1s", registry => registry.Register("faulty", faulty));
        var handle = await LockActorsExtension.Get(system).Client.AcquireAsync(target);
        faulty.Every(StorePrimitive.Delete, StoreFault.Hang(ignoreCancellation: true));

        var watch = Stopwatch.StartNew();
        await system.Terminate().WaitAsync(TimeSpan.FromSeconds(30));
        var terminated = watch.Elapsed;
        scenario.Report("hanging delete: terminate with a 1 s shutdown-release-timeout", terminated);

        Assert.Equal(Messages.LockLossCause.Shutdown, handle.LostCause); // told before the (hung) removal
        Assert.True(faulty.Calls(StorePrimitive.Delete) >= 1);
        Assert.True(terminated < TimeSpan.FromSeconds(5), $"terminate took {terminated}");
        var left = await inner.ReadAsync(Storage.LockTarget.Parse(target).Sidecar);
        Assert.NotNull(left); // left to expire by TTL
        faulty.ClearFaults();
    }
}
