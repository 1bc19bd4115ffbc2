using Akka.Actor;
using Akka.Configuration;
using LockActors.Client;
using LockActors.Configuration;
using LockActors.Messages;
using LockActors.Storage;
using Xunit;
using Xunit.Abstractions;
using LockActors.TestServers.Actors;

namespace LockActors.Tests.Outage;

/// <summary>
/// The store goes away while a lock is held. The holder must learn it lost the lock (<see cref="LockLost"/>) before
/// its TTL runs out counted from its last renewal that reached the store — before any other process may judge the
/// sidecar stale — and nothing is lost: the sidecar stays intact and another process takes it over once stale, with a
/// higher fencing token. Each backend says only how its store is cut off and restored.
/// </summary>
public abstract class StoreOutageSuite : Akka.TestKit.Xunit2.TestKit
{
    /// <summary>The lease used by every outage scenario.</summary>
    protected static readonly TimeSpan Ttl = TimeSpan.FromSeconds(3);

    private readonly OtherSystems _systems = new();

    protected StoreOutageSuite(Config config, ITestOutputHelper output)
        : base(config, output: output)
    {
    }

    /// <summary>Store HOCON plus the short polling and store-operation timeout the outage scenarios use.</summary>
    protected static Config OutageConfig(string storeHocon, TimeSpan storeOperationTimeout) =>
        ConfigurationFactory.ParseString(storeHocon +
                                         $"\nlock-actors.poll-interval = 100ms\nlock-actors.max-poll-interval = 500ms\nlock-actors.store-operation-timeout = {(int)storeOperationTimeout.TotalMilliseconds}ms")
            .WithFallback(LockActorsSettings.ReferenceConfig);

    /// <summary>Another actor system (another "process"), terminated after the test.</summary>
    protected LockActorsExtension NewSystem(string name, Config config)
    {
        return LockActorsExtension.Get(_systems.Start(name, config));
    }

    protected override void AfterAll()
    {
        _systems.TerminateAll();
        base.AfterAll();
    }

    /// <summary>
    /// Runs the scenario: <paramref name="holder"/> takes the lock, <paramref name="cut"/> makes the store unreachable,
    /// LockLost must come in time, <paramref name="restore"/> brings the store back, and <paramref name="observer"/>
    /// (a system reaching the store directly) checks the sidecar and takes the lock over. Returns the last stored renewal.
    /// </summary>
    protected async Task<SidecarSnapshot> ProveHolderLosesLockBeforeTtlAsync(
        LockActorsExtension holder, string target, Func<Task> cut, Func<Task> restore, Func<LockActorsExtension> observer)
    {
        var lostProbe = CreateTestProbe();
        var granted = await holder.Manager.Ask<LockGranted>(new Acquire(target, Ttl) { NotifyLost = lostProbe.Ref }, TimeSpan.FromSeconds(30));
        await Task.Delay(Ttl / 2); // at least one renewal goes through

        await cut();
        var cutAt = DateTimeOffset.UtcNow;
        var lost = await lostProbe.ExpectMsgAsync<LockLost>(Ttl * 2);
        var lostAt = DateTimeOffset.UtcNow;
        Assert.Equal(granted.LockId, lost.LockId);
        await restore();

        var other = observer();
        var key = LockTarget.Parse(target).Sidecar;
        var stored = await other.Stores.Resolve(key.Target).ReadAsync(key);
        Assert.NotNull(stored);
        var lastRenewal = LockMetadataCodec.Decode(key, stored.Content.Span);
        Assert.Equal(granted.LockId, lastRenewal.LockId);
        Output.WriteLine($"cut {cutAt:HH:mm:ss.fff}, last renewal stored {lastRenewal.HeartbeatAt:HH:mm:ss.fff}, " +
                         $"LockLost {lostAt:HH:mm:ss.fff} ({(lostAt - lastRenewal.HeartbeatAt).TotalMilliseconds:F0} ms after it; TTL {Ttl.TotalMilliseconds} ms): {lost.Reason}");
        Assert.True(lostAt < lastRenewal.HeartbeatAt + Ttl,
            $"LockLost came {(lostAt - lastRenewal.HeartbeatAt).TotalMilliseconds:F0} ms after the last stored renewal; the TTL is {Ttl.TotalMilliseconds} ms");

        var takeover = await other.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, AcquireTimeout = Ttl * 4 });
        Assert.True(takeover.FencingToken > granted.FencingToken);
        await takeover.ReleaseAsync();
        return stored;
    }
}
