using System.Text;
using Akka.Actor;
using Akka.Configuration;
using LockActors.Client;
using LockActors.Configuration;
using LockActors.Messages;
using LockActors.Storage;
using LockActors.Storage.Stores.Memory;
using Xunit;
using Xunit.Abstractions;

namespace LockActors.Tests.Safety;

/// <summary>
/// <c>fencing = strict</c>: a release leaves a tombstone that keeps the last token, so the next grant anywhere is above it
/// with no clock assumption; the tombstone reads as free.
/// </summary>
public sealed class StrictFencingTests(ITestOutputHelper output)
    : Akka.TestKit.Xunit2.TestKit(
        ConfigurationFactory.ParseString("lock-actors.stores.mem.scope = system\nlock-actors.fencing = strict").WithFallback(LockActorsSettings.ReferenceConfig),
        output: output)
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(5);

    private LockActorsExtension Locks => LockActorsExtension.Get(Sys);

    [Fact]
    public async Task A_release_leaves_a_tombstone_that_reads_as_free_and_keeps_the_token()
    {
        var target = $"mem://strict/{Guid.NewGuid():N}/a.csv";
        var first = await Locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl });
        await first.ReleaseAsync();
        var info = await Locks.Client.GetInfoAsync(target);
        Assert.False(info.IsHeld);
        var store = (MemoryLockStore)Locks.Stores.Resolve("mem");
        var raw = await store.ReadAsync(LockTarget.Parse(target).Sidecar);
        Assert.NotNull(raw); // the tombstone
        Assert.Equal(first.FencingToken, LockMetadataCodec.Decode(LockTarget.Parse(target).Sidecar, raw.Content.Span).FencingToken);
        await using var second = await Locks.Client.TryAcquireAsync(target, new LockOptions { Ttl = Ttl });
        Assert.NotNull(second);
        Assert.True(second.FencingToken > first.FencingToken);
    }

    [Fact]
    public async Task Tokens_exceed_a_tombstone_token_far_ahead_of_every_clock()
    {
        var target = $"mem://strict/{Guid.NewGuid():N}/a.csv";
        var future = (DateTime.UtcNow.AddYears(10).Ticks - DateTime.UnixEpoch.Ticks) / 10;
        var store = (MemoryLockStore)Locks.Stores.Resolve("mem");
        store.WriteRaw(LockTarget.Parse(target).Sidecar, Encoding.UTF8.GetBytes(SidecarJson.Of("released", ttlMs: 1, future, hostname: "h")));
        var granted = await Locks.Manager.Ask<LockGranted>(new Acquire(target, Ttl), TimeSpan.FromSeconds(5));
        Assert.True(granted.FencingToken > future, $"{granted.FencingToken} after a tombstone at {future}");
    }
}
