using Akka.Actor;
using LockActors.Client;
using LockActors.Messages;
using LockActors.Storage;
using LockActors.TestServers.Interop;
using Xunit;
using Xunit.Abstractions;

namespace LockActors.Tests.Interop;

/// <summary>Go writes, this library reads: c2fo/vfs sidecars marshalled by Go's encoding/json are foreign holders,
/// judged by c2fo's rule on the store's clock, under the caller's stale policy.</summary>
public sealed class C2foReadTests(ITestOutputHelper output) : C2foInteropTestKit(output)
{
    private static readonly LockOptions Quick = new() { Ttl = TimeSpan.FromSeconds(5) };

    [GoInteropFact]
    public async Task A_c2fo_sidecar_is_held_by_a_foreign_holder_with_its_owner_host_and_pid()
    {
        Go("write", "-path", SidecarPath("a.csv"), "-ttl", "1h", "-owner", "go-worker-7", "-hostname", "go-host", "-pid", "4242");
        var info = await Locks.Client.GetInfoAsync(Target("a.csv"));
        Assert.True(info.IsHeld);
        Assert.False(info.IsStale);
        var holder = info.Metadata!;
        Assert.Equal(SidecarFormat.C2foVfs, holder.Format);
        Assert.Equal(("go-worker-7", "go-host", 4242), (holder.OwnerId, holder.Hostname, holder.ProcessId));
        Assert.Equal(TimeSpan.FromHours(1), holder.Ttl);
        Assert.Equal(0, holder.FencingToken);

        Assert.Null(await Locks.Client.TryAcquireAsync(Target("a.csv"), Quick));
        var refused = await Assert.ThrowsAsync<LockAlreadyHeldException>(() => Locks.Manager.Ask<LockGranted>(new Acquire(Target("a.csv"), TimeSpan.FromSeconds(5)), TimeSpan.FromSeconds(10)));
        Assert.Equal(SidecarFormat.C2foVfs, refused.Holder?.Format);
    }

    [GoInteropFact]
    public async Task A_c2fo_sidecar_past_its_ttl_on_the_store_clock_is_taken_over_with_a_token_above_every_earlier_grant()
    {
        var target = Target("b.csv");
        long earlier;
        await using (var first = await Locks.Client.AcquireAsync(target, Quick))
        {
            earlier = first.FencingToken;
        }

        Assert.True(Go("acquire", "-path", SidecarPath("b.csv"), "-ttl", "2s", "-owner", "go-worker").Flag("acquired")); // c2fo took it after our release
        Backdate(SidecarPath("b.csv"), TimeSpan.FromSeconds(10)); // the store last saw c2fo's write 10 s ago
        Assert.True((await Locks.Client.GetInfoAsync(target)).IsStale);

        StaleLock? seen = null;
        var policy = StalePolicy.When(stale => (seen = stale).Metadata is not null, "records");
        await using var handle = await Locks.Client.AcquireAsync(target, Quick with { OnStale = policy, AcquireTimeout = TimeSpan.FromSeconds(5) });
        Assert.Equal(SidecarFormat.C2foVfs, seen!.Metadata!.Format);
        Assert.Equal("go-worker", seen.Metadata.OwnerId);
        Assert.True(seen.Age >= TimeSpan.FromSeconds(9));
        Assert.True(handle.FencingToken > earlier, $"token {handle.FencingToken} after a c2fo holder must exceed the earlier {earlier}");

        // And c2fo, reading the sidecar that replaced its own, sees a live lock.
        Assert.False(GoJudge(SidecarPath("b.csv")).Flag("stale"));
        Assert.False(Go("acquire", "-path", SidecarPath("b.csv"), "-ttl", "2s").Flag("acquired"));
    }

    [GoInteropFact]
    public async Task A_c2fo_sidecar_with_ttl_0_is_never_stale_whatever_the_store_clock_says()
    {
        Go("write", "-path", SidecarPath("c.csv"), "-ttl", "0", "-owner", "archiver");
        Backdate(SidecarPath("c.csv"), TimeSpan.FromDays(5 * 365));
        var info = await Locks.Client.GetInfoAsync(Target("c.csv"));
        Assert.True(info.IsHeld);
        Assert.False(info.IsStale);
        Assert.Equal(TimeSpan.Zero, info.Metadata!.Ttl);
        Assert.Null(await Locks.Client.TryAcquireAsync(Target("c.csv"), Quick with { OnStale = StalePolicy.TakeOverIncludingCorrupt }));
        Assert.True(File.Exists(SidecarPath("c.csv")));
    }

    [GoInteropFact]
    public async Task Staleness_follows_the_store_clock_not_the_c2fo_writers_createdAt()
    {
        // A writer whose clock is 25 years behind: c2fo itself would call this stale at once; the store saw it just now.
        Go("write", "-path", SidecarPath("d.csv"), "-ttl", "1h", "-created", "2001-01-01T00:00:00Z");
        Assert.True(GoJudge(SidecarPath("d.csv")).Flag("stale"));
        Assert.False((await Locks.Client.GetInfoAsync(Target("d.csv"))).IsStale);
        Assert.Null(await Locks.Client.TryAcquireAsync(Target("d.csv"), Quick));

        // A writer whose clock is far ahead: the store saw no write for 2 h, past its 1 h TTL.
        Go("write", "-path", SidecarPath("e.csv"), "-ttl", "1h", "-created", "2090-01-01T00:00:00Z");
        Backdate(SidecarPath("e.csv"), TimeSpan.FromHours(2));
        Assert.True((await Locks.Client.GetInfoAsync(Target("e.csv"))).IsStale);
        await using var handle = await Locks.Client.AcquireAsync(Target("e.csv"), Quick with { AcquireTimeout = TimeSpan.FromSeconds(5) });
        Assert.True(handle.CheckLease());
    }

    [GoInteropFact]
    public async Task Stale_policy_never_leaves_a_stale_c2fo_lock_in_place()
    {
        Go("write", "-path", SidecarPath("f.csv"), "-ttl", "1s", "-owner", "go-worker");
        Backdate(SidecarPath("f.csv"), TimeSpan.FromMinutes(1));
        Assert.Null(await Locks.Client.TryAcquireAsync(Target("f.csv"), Quick with { OnStale = StalePolicy.Never }));
        var info = await Locks.Client.GetInfoAsync(Target("f.csv"));
        Assert.True(info.IsStale);
        Assert.Equal(SidecarFormat.C2foVfs, info.Metadata!.Format);
        Assert.Equal(0, GoJudge(SidecarPath("f.csv")).ExitCode); // still c2fo's own file, untouched
    }

    [GoInteropFact]
    public async Task Committed_fixtures_written_by_Go_are_read_the_same_through_the_actors()
    {
        var fixtures = Path.Combine(C2foTool.FindSource(), "fixtures");
        foreach (var fixture in Directory.GetFiles(fixtures, "*.lock"))
        {
            var name = Path.GetFileNameWithoutExtension(fixture);
            File.Copy(fixture, SidecarPath(name));
            Backdate(SidecarPath(name), TimeSpan.Zero); // as if c2fo had just written it (a copy keeps the fixture's mtime)
            var info = await Locks.Client.GetInfoAsync(Target(name));
            Assert.Equal(SidecarFormat.C2foVfs, info.Metadata?.Format);
            Assert.False(info.IsStale && info.Metadata!.Ttl >= TimeSpan.FromSeconds(1), name); // sub-ms-ttl may be stale already
            Assert.Equal(0, GoJudge(SidecarPath(name)).ExitCode); // and Go still decodes its own corpus

            Backdate(SidecarPath(name), TimeSpan.FromDays(1)); // a day without a write: stale unless its ttl is 0
            Assert.Equal(info.Metadata!.Ttl != TimeSpan.Zero, (await Locks.Client.GetInfoAsync(Target(name))).IsStale);
        }
    }
}
