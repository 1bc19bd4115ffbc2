using Akka.Actor;
using Akka.Configuration;
using LockActors.Client;
using LockActors.Configuration;
using LockActors.Messages;
using LockActors.Storage;
using Xunit;
using Xunit.Abstractions;

namespace LockActors.Tests;

/// <summary>Bad requests get typed errors and change nothing; the manager keeps serving afterwards.</summary>
public sealed class BadInputTests(ITestOutputHelper output)
    : Akka.TestKit.Xunit2.TestKit(ConfigurationFactory.ParseString("lock-actors.stores.mem.scope = system").WithFallback(LockActorsSettings.ReferenceConfig), output: output)
{
    private LockActorsExtension Locks => LockActorsExtension.Get(Sys);

    private Task<LockGranted> Acquire(Acquire request) => Locks.Manager.Ask<LockGranted>(request, TimeSpan.FromSeconds(5));

    [Theory]
    [InlineData("not a uri")]
    [InlineData("")]
    [InlineData("file:///data/../../etc/x")]
    [InlineData("file:///data/%2e%2e/etc/x")]
    [InlineData("mem://ns/dir/")]
    [InlineData("mem://ns/a.csv?x=1")]
    public async Task Malformed_or_traversing_uris_are_rejected_with_InvalidLockTarget(string uri)
    {
        await Assert.ThrowsAsync<InvalidLockTargetException>(() => Acquire(new Acquire(uri, TimeSpan.FromSeconds(5))));
        await Assert.ThrowsAsync<InvalidLockTargetException>(() => Locks.Client.GetInfoAsync(uri));
        await StillServes();
    }

    [Fact]
    public async Task Unsupported_scheme_is_rejected_naming_the_registered_ones()
    {
        var error = await Assert.ThrowsAsync<UnsupportedSchemeException>(() => Acquire(new Acquire("ftp://host/a.csv", TimeSpan.FromSeconds(5))));
        Assert.Equal("ftp", error.Scheme);
        Assert.Contains("file://", error.Message, StringComparison.Ordinal);
        await StillServes();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public async Task Non_positive_ttl_is_rejected_and_nothing_is_written(int seconds)
    {
        var target = $"mem://bad/{Guid.NewGuid():N}/a.csv";
        await Assert.ThrowsAsync<InvalidLockRequestException>(() => Acquire(new Acquire(target, TimeSpan.FromSeconds(seconds))));
        Assert.False((await Locks.Client.GetInfoAsync(target)).IsHeld);
    }

    [Fact]
    public async Task Negative_wait_is_rejected()
    {
        var target = $"mem://bad/{Guid.NewGuid():N}/a.csv";
        await Assert.ThrowsAsync<InvalidLockRequestException>(() => Acquire(new Acquire(target, TimeSpan.FromSeconds(5)) { WaitTimeout = TimeSpan.FromSeconds(-1) }));
        Assert.False((await Locks.Client.GetInfoAsync(target)).IsHeld);
    }

    [Fact]
    public async Task Oversized_sidecar_is_reported_as_corrupt_and_left_in_place()
    {
        var target = $"mem://bad/{Guid.NewGuid():N}/a.csv";
        var key = LockTarget.Parse(target).Sidecar;
        var store = (Storage.Stores.Memory.MemoryLockStore)Locks.Stores.Resolve("mem");
        store.WriteRaw(key, new byte[SidecarLimits.MaxBytes + 10]);
        await Assert.ThrowsAsync<SidecarTooLargeException>(() => Acquire(new Acquire(target, TimeSpan.FromSeconds(5))));
        Assert.Null(await store.TryCreateAsync(key, "x"u8.ToArray())); // the oversized sidecar is still there
    }

    private async Task StillServes()
    {
        await using var handle = await Locks.Client.AcquireAsync($"mem://bad/{Guid.NewGuid():N}/ok.csv", new LockOptions { Ttl = TimeSpan.FromSeconds(5) });
        Assert.True(handle.FencingToken > 0);
    }
}
