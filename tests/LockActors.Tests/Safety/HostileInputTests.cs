using System.Text;
using Akka.Actor;
using LockActors.Client;
using LockActors.Messages;
using LockActors.Storage;
using Xunit;
using Xunit.Abstractions;

namespace LockActors.Tests.Safety;

/// <summary>
/// Rule 11: nothing a sidecar contains and nothing a caller passes crashes a target actor. Each case ends as a typed
/// error on its own request, the target keeps answering the same way, and other requests are served.
/// </summary>
public sealed class HostileInputTests(ITestOutputHelper output) : MemStoreSafetyTestKit("hostile", output)
{
    /// <summary>Writes raw sidecar bytes, as a hostile or broken process would.</summary>
    private void Plant(string target, string json) => Store.WriteRaw(LockTarget.Parse(target).Sidecar, Encoding.UTF8.GetBytes(json));

    [Theory]
    [InlineData(-1.0)] // TimeSpan.MaxValue
    [InlineData(1.0001)] // just over LockLimits.MaxTtl
    public async Task Ttl_beyond_the_documented_maximum_is_an_invalid_request(double maxTtlFactor)
    {
        var ttl = maxTtlFactor < 0 ? TimeSpan.MaxValue : LockLimits.MaxTtl * maxTtlFactor;
        var target = NewTarget();
        var error = await Assert.ThrowsAsync<InvalidLockRequestException>(() => Acquire(new Acquire(target, ttl)));
        Assert.Contains("MaxTtl", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidLockRequestException>(() => Locks.Client.AcquireAsync(target, new LockOptions { Ttl = ttl }));
        Assert.False((await Locks.Client.GetInfoAsync(target)).IsHeld);
        await StillServes();
    }

    [Fact]
    public async Task The_longest_allowed_ttl_is_granted_and_renewable()
    {
        var granted = await Acquire(new Acquire(NewTarget(), LockLimits.MaxTtl));
        Assert.True(granted.Lease.CheckLease());
        Assert.True(granted.Lease.Remaining > TimeSpan.FromHours(12));
        await Locks.Manager.Ask<LockReleased>(new Release(granted.Target, granted.LockId), TimeSpan.FromSeconds(5));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Infinite_waits_really_wait(bool infiniteTimeSpan)
    {
        var wait = infiniteTimeSpan ? Timeout.InfiniteTimeSpan : TimeSpan.MaxValue;
        var target = NewTarget();
        var holder = await Locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl });
        var viaAsk = Locks.Manager.Ask<LockGranted>(new Acquire(target, Ttl) { WaitTimeout = wait });
        var viaClient = Locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, AcquireTimeout = wait });
        await Task.Delay(Ttl); // longer than a renewal period: nothing gives up
        Assert.False(viaAsk.IsCompleted);
        Assert.False(viaClient.IsCompleted);
        await holder.ReleaseAsync();
        var first = await viaAsk.WaitAsync(TimeSpan.FromSeconds(10));
        await Locks.Manager.Ask<LockReleased>(new Release(first.Target, first.LockId), TimeSpan.FromSeconds(5));
        await using var second = await viaClient.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(second.FencingToken > first.FencingToken);
    }

    [Theory]
    [InlineData(-1)] // negative, not the infinite marker
    [InlineData(-2000)]
    public async Task Negative_waits_are_invalid_requests_everywhere(int milliseconds)
    {
        var target = NewTarget();
        var wait = TimeSpan.FromMilliseconds(milliseconds) == Timeout.InfiniteTimeSpan ? TimeSpan.FromTicks(-1) : TimeSpan.FromMilliseconds(milliseconds);
        await Assert.ThrowsAsync<InvalidLockRequestException>(() => Acquire(new Acquire(target, Ttl) { WaitTimeout = wait }));
        await Assert.ThrowsAsync<InvalidLockRequestException>(() => Locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, AcquireTimeout = wait }));
        Assert.False((await Locks.Client.GetInfoAsync(target)).IsHeld);
    }

    [Theory]
    [InlineData(100_000, 'x')]
    [InlineData(10, '\n')]
    public async Task Huge_or_control_character_owner_ids_are_invalid_requests_not_corrupt_sidecars(int length, char fill)
    {
        var owner = "owner" + new string(fill, length);
        var target = NewTarget();
        await Assert.ThrowsAsync<InvalidLockRequestException>(() => Acquire(new Acquire(target, Ttl) { OwnerId = owner }));
        await Assert.ThrowsAsync<InvalidLockRequestException>(() => Locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, OwnerId = owner }));
        Assert.False((await Locks.Client.GetInfoAsync(target)).IsHeld);
    }

    [Fact]
    public async Task A_planted_maximum_fencing_token_refuses_the_grant_and_never_wraps()
    {
        var target = NewTarget();
        Plant(target, SidecarJson.Of("hostile", ttlMs: 1, token: long.MaxValue));
        await Task.Delay(200); // stale
        var error = await Assert.ThrowsAsync<FencingTokenExhaustedException>(() => Acquire(new Acquire(target, Ttl)));
        Assert.Contains(long.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
        var info = await Locks.Client.GetInfoAsync(target);
        Assert.Equal(long.MaxValue, info.Metadata!.FencingToken); // left untouched
        await StillServes();
    }

    [Theory]
    [InlineData("""{"v":1,"lockId":"x","createdAt":"2026-01-01T00:00:00Z","ttlMs":9000000000000000000}""")]
    [InlineData("""{"v":1,"lockId":"x","createdAt":"2026-01-01T00:00:00Z","ttlMs":1000,"fencingToken":-5}""")]
    [InlineData("""{"v":1,"lockId":"x","createdAt":"9999-12-31T23:59:59.9999999-14:00","ttlMs":1000}""")]
    [InlineData("""{"v":1,"lockId":"x","createdAt":"2026-01-01T00:00:00Z","ttlMs":1000,"pid":99999999999}""")]
    [InlineData("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]")]
    [InlineData("""{"createdAt":"2026-01-01T00:00:00Z","ttl":-1000000000,"hostname":"go","pid":1}""")] // c2fo/vfs, negative ttl
    [InlineData("""{"createdAt":"2026-01-01T00:00:00Z","ttl":18446744073709551616,"hostname":"go","pid":1}""")] // c2fo/vfs, ttl beyond int64
    [InlineData("""{"createdAt":"0001-01-01T00:00:00Z","ttl":1000000000,"hostname":"go","pid":1}""")] // c2fo/vfs, Go's zero time
    [InlineData("""{"createdAt":"2026-01-01T00:00:00Z","ttl":1000000000,"fencingToken":9223372036854775807}""")] // a token without a format version
    public async Task Out_of_range_sidecar_fields_are_corrupt_and_every_request_sees_the_same(string json)
    {
        var target = NewTarget();
        Plant(target, json);
        for (var i = 0; i < 3; i++)
        {
            await Assert.ThrowsAsync<CorruptSidecarException>(() => Acquire(new Acquire(target, Ttl)));
            await Assert.ThrowsAsync<CorruptSidecarException>(() => Locks.Client.TryAcquireAsync(target, new LockOptions { Ttl = Ttl }));
            await Assert.ThrowsAsync<CorruptSidecarException>(() => Locks.Client.GetInfoAsync(target));
        }

        await StillServes();
    }

    [Fact]
    public async Task A_c2fo_sidecar_whose_ttl_overflows_any_deadline_is_held_and_never_stale()
    {
        var target = NewTarget();
        Plant(target, """{"createdAt":"2026-01-01T00:00:00Z","ttl":9223372036854775807,"hostname":"go","pid":1}""");
        await Task.Delay(200); // past every grace
        var info = await Locks.Client.GetInfoAsync(target);
        Assert.Equal((true, false, TimeSpan.Zero, SidecarFormat.C2foVfs), (info.IsHeld, info.IsStale, info.Metadata!.Ttl, info.Metadata.Format));
        Assert.Null(await Locks.Client.TryAcquireAsync(target, new LockOptions { Ttl = Ttl, OnStale = StalePolicy.TakeOverIncludingCorrupt }));
        await StillServes();
    }

    [Fact]
    public async Task A_throwing_stale_policy_fails_only_its_own_request()
    {
        var target = NewTarget();
        Plant(target, SidecarJson.Of("stale-holder", ttlMs: 1, token: 7));
        await Task.Delay(200); // stale
        var throwing = StalePolicy.When(_ => throw new InvalidOperationException("policy bug"));
        var bad = Acquire(new Acquire(target, Ttl) { WaitTimeout = TimeSpan.FromSeconds(5), OnStale = throwing });
        var good = Acquire(new Acquire(target, Ttl) { WaitTimeout = TimeSpan.FromSeconds(5) });
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => bad);
        Assert.Equal("policy bug", error.Message);
        var granted = await good;
        Assert.True(granted.FencingToken > 7);
        await Locks.Manager.Ask<LockReleased>(new Release(target, granted.LockId), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task An_owner_actor_that_stops_takes_its_lock_with_it()
    {
        var target = NewTarget();
        var owner = CreateTestProbe();
        var granted = await Acquire(new Acquire(target, TimeSpan.FromSeconds(30)) { NotifyLost = owner.Ref });
        Sys.Stop(owner.Ref);
        await AwaitConditionAsync(async () => !(await Locks.Client.GetInfoAsync(target)).IsHeld, TimeSpan.FromSeconds(5));
        Assert.False(granted.Lease.CheckLease());
        await using var next = await Locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, AcquireTimeout = TimeSpan.Zero });
    }

    [Fact]
    public async Task A_grant_for_an_Ask_that_timed_out_is_not_left_held()
    {
        var target = NewTarget();
        var holder = await Locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl });
        await Assert.ThrowsAsync<AskTimeoutException>(() =>
            Locks.Manager.Ask<LockGranted>(new Acquire(target, TimeSpan.FromSeconds(30)) { WaitTimeout = TimeSpan.FromSeconds(20) }, TimeSpan.FromMilliseconds(300)));
        await holder.ReleaseAsync();
        // Nobody is left holding a 30 s lock for the caller that gave up: the target is free again within moments.
        await AwaitConditionAsync(async () => !(await Locks.Client.GetInfoAsync(target)).IsHeld, TimeSpan.FromSeconds(5));
        await using var next = await Locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, AcquireTimeout = TimeSpan.Zero });
    }

    [Fact]
    public async Task The_Ask_usage_learns_of_a_loss_through_the_grants_lease()
    {
        var target = NewTarget();
        var granted = await Acquire(new Acquire(target, TimeSpan.FromSeconds(2))); // sender is Ask's temporary actor
        Assert.True(granted.Lease.CheckLease());
        var lost = new TaskCompletionSource();
        granted.Lease.Lost.Register(() => lost.TrySetResult());
        // Another process takes it over: the sidecar is overwritten behind the holder's back.
        Plant(target, SidecarJson.Of("thief", ttlMs: 60_000, token: granted.FencingToken + 1));
        await lost.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(granted.Lease.CheckLease());
        Assert.NotNull(granted.Lease.LostReason);
    }

}
