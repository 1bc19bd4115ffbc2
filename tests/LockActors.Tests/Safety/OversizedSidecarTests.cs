using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using LockActors.Client;
using LockActors.Configuration;
using LockActors.Messages;
using LockActors.Storage;
using LockActors.Storage.Stores.Memory;
using Xunit;
using Xunit.Abstractions;

namespace LockActors.Tests.Safety;

/// <summary>An oversized sidecar is corrupt like any other: refused by default, taken over under TakeOverIncludingCorrupt once stale.</summary>
public sealed class OversizedSidecarTests : Akka.TestKit.Xunit2.TestKit
{
    private readonly MovableClock _clock;
    private readonly MemoryLockStore _store;

    public OversizedSidecarTests(ITestOutputHelper output)
        : this(new MovableClock(), output)
    {
    }

    private OversizedSidecarTests(MovableClock clock, ITestOutputHelper output)
        : this(clock, new MemoryLockStore(clock), output)
    {
    }

    private OversizedSidecarTests(MovableClock clock, MemoryLockStore store, ITestOutputHelper output)
        : base(ActorSystemSetup.Create(
            BootstrapSetup.Create().WithConfig(ConfigurationFactory.ParseString("lock-actors.default-ttl = 5s").WithFallback(LockActorsSettings.ReferenceConfig)),
            new LockActorsSetup(registry => registry.Register("big", store))), output: output)
    {
        _clock = clock;
        _store = store;
    }

    private LockActorsExtension Locks => LockActorsExtension.Get(Sys);

    [Fact]
    public async Task An_oversized_sidecar_is_refused_by_default_and_taken_over_when_the_policy_allows_corrupt_ones()
    {
        var target = $"big://ns/{Guid.NewGuid():N}/a.csv";
        _store.WriteRaw(LockTarget.Parse(target).Sidecar, new byte[SidecarLimits.MaxBytes * 3]);
        var options = new LockOptions { Ttl = TimeSpan.FromSeconds(5) };
        await Assert.ThrowsAsync<SidecarTooLargeException>(() => Locks.Client.TryAcquireAsync(target, options));
        var fresh = new LockOptions { Ttl = TimeSpan.FromSeconds(5), OnStale = StalePolicy.TakeOverIncludingCorrupt };
        await Assert.ThrowsAsync<SidecarTooLargeException>(() => Locks.Client.TryAcquireAsync(target, fresh)); // not yet older than the default TTL
        _clock.Advance(TimeSpan.FromSeconds(10));
        await using var handle = await Locks.Client.TryAcquireAsync(target, fresh);
        Assert.NotNull(handle);
        Assert.Equal(handle.LockId, (await Locks.Client.GetInfoAsync(target)).Metadata!.LockId);
    }

    private sealed class MovableClock : TimeProvider
    {
        private long _offsetTicks;

        public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));
    }
}
