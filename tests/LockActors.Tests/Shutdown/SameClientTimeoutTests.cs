using Akka.Actor;
using LockActors.Client;
using Xunit;
using Xunit.Abstractions;

namespace LockActors.Tests.Shutdown;

/// <summary>A caller that waits on a lock its own process holds is told so when the wait runs out.</summary>
public sealed class SameClientTimeoutTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Timing_out_on_a_lock_held_by_this_process_says_so()
    {
        using var scenario = new ShutdownScenario("mem", output, targets: 1);
        var client = LockActorsExtension.Get(scenario.NewSystem("first")).Client;
        await using var forgotten = await client.AcquireAsync(scenario.Targets[0], new LockOptions { OwnerId = "ingest-worker" });

        var error = await Assert.ThrowsAsync<LockAcquireTimeoutException>(() =>
            client.AcquireAsync(scenario.Targets[0], new LockOptions { AcquireTimeout = TimeSpan.FromMilliseconds(300) }));

        output.WriteLine(error.Message);
        Assert.Contains($"held by this process's own grant {forgotten.LockId}", error.Message, StringComparison.Ordinal);
        Assert.Contains("owner 'ingest-worker'", error.Message, StringComparison.Ordinal);
        Assert.Contains("was an earlier handle not disposed?", error.Message, StringComparison.Ordinal);
        Assert.Equal(forgotten.LockId, error.LocalHolder?.LockId);
    }

    [Fact]
    public async Task Timing_out_on_a_lock_held_by_another_process_does_not_blame_this_one()
    {
        using var scenario = new ShutdownScenario("mem", output, targets: 1);
        var other = LockActorsExtension.Get(scenario.NewSystem("other")).Client;
        var client = LockActorsExtension.Get(scenario.NewSystem("this")).Client;
        await using var held = await other.AcquireAsync(scenario.Targets[0]);

        var error = await Assert.ThrowsAsync<LockAcquireTimeoutException>(() =>
            client.AcquireAsync(scenario.Targets[0], new LockOptions { AcquireTimeout = TimeSpan.FromMilliseconds(300) }));

        Assert.Null(error.LocalHolder);
        Assert.DoesNotContain("own grant", error.Message, StringComparison.Ordinal);
    }
}
