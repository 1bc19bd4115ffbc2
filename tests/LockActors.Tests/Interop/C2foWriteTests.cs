using Akka.Actor;
using LockActors.Client;
using LockActors.Messages;
using LockActors.Storage;
using LockActors.TestServers.Interop;
using Xunit;
using Xunit.Abstractions;

namespace LockActors.Tests.Interop;

/// <summary>This library writes, Go reads: c2fo's Metadata decoding and IsStale rule judge LockActors sidecars by the
/// holder's last heartbeat plus its TTL; and what c2fo cannot respect (its release deletes any lock file) is detected.</summary>
public sealed class C2foWriteTests(ITestOutputHelper output) : C2foInteropTestKit(output)
{
    // Long enough that a loaded CI machine still renews (every TTL / 3) well inside the trusted lease.
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(4);

    [GoInteropFact]
    public async Task Go_judges_a_held_sidecar_fresh_then_stale_after_its_lease_and_fresh_again_after_a_heartbeat()
    {
        await using var handle = await Locks.Client.AcquireAsync(Target("a.csv"), new LockOptions { Ttl = Ttl });
        var path = SidecarPath("a.csv");
        var firstWrite = path + ".first";
        File.Copy(path, firstWrite);
        var written = LockMetadataCodec.Decode(LockTarget.Parse(Target("a.csv")).Sidecar, File.ReadAllBytes(firstWrite));

        var fresh = GoJudge(firstWrite);
        Assert.False(fresh.Flag("stale"));
        Assert.Equal(written.HeartbeatAt + Ttl, DateTimeOffset.Parse(fresh.Json.GetProperty("expiresAt").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(handle.Metadata.OwnerId, fresh.Json.TryGetProperty("ownerId", out var owner) ? owner.GetString() : string.Empty);
        Assert.True(GoJudge(firstWrite, written.HeartbeatAt + Ttl + TimeSpan.FromMilliseconds(1)).Flag("stale")); // past the lease on c2fo's clock

        await Task.Delay(Ttl + TimeSpan.FromMilliseconds(500)); // heartbeats rewrite the sidecar meanwhile
        Assert.True(GoJudge(firstWrite).Flag("stale")); // the first write alone would have run out by now
        var renewed = GoJudge(path);
        Assert.False(renewed.Flag("stale"));
        Assert.Equal(fresh.Json.GetProperty("createdAt").GetString(), renewed.Json.GetProperty("createdAt").GetString()); // only ttl moved
        Assert.True(renewed.Json.GetProperty("ttl").GetInt64() > fresh.Json.GetProperty("ttl").GetInt64());
        Assert.False(Go("acquire", "-path", path, "-ttl", "1m").Flag("acquired")); // c2fo refuses a live LockActors lock
    }

    [GoInteropFact]
    public void Go_takes_over_a_LockActors_sidecar_only_once_its_last_heartbeat_plus_ttl_has_passed()
    {
        var now = DateTimeOffset.UtcNow;
        var key = LockTarget.Parse(Target("b.csv")).Sidecar;
        var live = new LockMetadata("instance-1", "dotnet-worker", "dotnet-host", 11, now.AddMinutes(-10), now.AddSeconds(-1), TimeSpan.FromSeconds(30), 123);
        File.WriteAllBytes(key.Path, LockMetadataCodec.Encode(live));
        Assert.False(Go("acquire", "-path", key.Path, "-ttl", "1m").Flag("acquired")); // created 10 min ago, renewed 1 s ago

        var abandoned = live with { HeartbeatAt = now.AddSeconds(-31) };
        File.WriteAllBytes(key.Path, LockMetadataCodec.Encode(abandoned));
        var takeover = Go("acquire", "-path", key.Path, "-ttl", "1m", "-owner", "go-worker");
        Assert.True(takeover.Flag("acquired") && takeover.Flag("stole"));
        Assert.Equal(SidecarFormat.C2foVfs, LockMetadataCodec.Decode(key, File.ReadAllBytes(key.Path)).Format);
    }

    [GoInteropFact]
    public void A_strict_mode_tombstone_is_free_to_c2fo_within_a_millisecond()
    {
        var path = SidecarPath("c.csv");
        var now = DateTimeOffset.UtcNow;
        var tombstone = new LockMetadata("released", "o", "h", 1, now, now, TimeSpan.FromMilliseconds(1), 99);
        File.WriteAllBytes(path, LockMetadataCodec.Encode(tombstone));
        Assert.True(GoJudge(path, now + TimeSpan.FromMilliseconds(2)).Flag("stale"));
    }

    [GoInteropFact]
    public async Task A_c2fo_release_deleting_our_sidecar_is_a_loss_seen_at_the_next_heartbeat()
    {
        var target = Target("d.csv");
        var owner = CreateTestProbe();
        var granted = await Locks.Manager.Ask<LockGranted>(new Acquire(target, Ttl) { NotifyLost = owner.Ref }, TimeSpan.FromSeconds(10));

        // c2fo's Release deletes the lock file without reading it: a c2fo process that wrongly believes it holds the
        // target (or a release after its own lock was replaced) removes ours.
        Assert.True(Go("release", "-path", SidecarPath("d.csv")).Flag("released"));
        var lost = await owner.ExpectMsgAsync<LockLost>(Ttl + TimeSpan.FromSeconds(2));
        Assert.Equal(granted.LockId, lost.LockId);
        Assert.Equal(LockLossCause.TakenOver, lost.Cause);
        Assert.True(granted.Lease.Lost.IsCancellationRequested);
        Assert.False(granted.Lease.CheckLease());
        Assert.False((await Locks.Client.GetInfoAsync(target)).IsHeld); // nothing recreated behind c2fo's back
    }
}
