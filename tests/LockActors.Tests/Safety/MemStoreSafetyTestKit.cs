using Akka.Actor;
using Akka.Configuration;
using LockActors.Client;
using LockActors.Configuration;
using LockActors.Messages;
using LockActors.Storage.Stores.Memory;
using Xunit;
using Xunit.Abstractions;

namespace LockActors.Tests.Safety;

/// <summary>
/// The arrangement shared by the safety suites that go through the public API: one actor system on a system-scoped
/// <c>mem://</c> store with short stale-grace and poll intervals, fresh targets under <c>mem://{area}/</c>, and the
/// "the manager still serves others" check each case ends with. The manager has four shards whatever the machine's
/// core count, so every safety case also runs across shards (<c>lock-actors.manager-shards</c>).
/// </summary>
/// <param name="area">The namespace of this suite's targets.</param>
/// <param name="output">xUnit's output.</param>
/// <param name="hocon">Further settings of the suite (for keys the kit does not set itself).</param>
public abstract class MemStoreSafetyTestKit(string area, ITestOutputHelper output, string hocon = "")
    : Akka.TestKit.Xunit2.TestKit(
        ConfigurationFactory.ParseString(hocon + "\nlock-actors.stores.mem.scope = system\nlock-actors.stale-grace = 50ms\nlock-actors.poll-interval = 50ms\nlock-actors.max-poll-interval = 200ms\nlock-actors.manager-shards = " + Shards)
            .WithFallback(LockActorsSettings.ReferenceConfig),
        output: output)
{
    /// <summary>Shards of the manager under test (<c>lock-actors.manager-shards</c>).</summary>
    protected const int Shards = 4;

    /// <summary>The TTL of the suites' own locks.</summary>
    protected static readonly TimeSpan Ttl = TimeSpan.FromSeconds(3);

    /// <summary>How long any answer may take before the case counts as hung.</summary>
    protected static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(10);

    /// <summary>The system's lock extension.</summary>
    protected LockActorsExtension Locks => LockActorsExtension.Get(Sys);

    /// <summary>The system-scoped <c>mem://</c> store the targets live in.</summary>
    protected MemoryLockStore Store => (MemoryLockStore)Locks.Stores.Resolve("mem");

    /// <summary>A target nobody has used.</summary>
    protected string NewTarget() => $"mem://{area}/{Guid.NewGuid():N}/a.csv";

    /// <summary>Asks the manager, waiting at most <see cref="HangLimit"/>.</summary>
    protected Task<LockGranted> Acquire(Acquire request) => Locks.Manager.Ask<LockGranted>(request, HangLimit);

    /// <summary>The manager still grants a fresh target afterwards.</summary>
    protected async Task StillServes()
    {
        await using var handle = await Locks.Client.AcquireAsync(NewTarget(), new LockOptions { Ttl = Ttl });
        Assert.True(handle.CheckLease());
    }
}
