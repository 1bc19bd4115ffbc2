using Akka.Actor;
using Akka.Configuration;
using LockActors.Client;
using LockActors.Configuration;
using LockActors.Messages;
using Xunit;

namespace LockActors.Tests.Configuration;

/// <summary>
/// A request TTL too short for the configured fixed <c>heartbeat-interval</c> is refused, never silently renewed at
/// another interval; with <c>heartbeat-interval = off</c> every lock renews at ttl / 3 whatever its TTL.
/// </summary>
public sealed class HeartbeatTtlTests
{
    private static ActorSystem NewSystem(string hocon) => ActorSystem.Create("hb" + Guid.NewGuid().ToString("N")[..6],
        ConfigurationFactory.ParseString("lock-actors.stores.mem.scope = system\n" + hocon));

    private static string NewTarget() => $"mem://hb/{Guid.NewGuid():N}/a.csv";

    [Fact]
    public async Task A_ttl_too_short_for_a_fixed_heartbeat_is_refused_naming_heartbeat_interval()
    {
        var system = NewSystem("lock-actors.heartbeat-interval = 5s");
        try
        {
            var client = LockActorsExtension.Get(system).Client;
            var target = NewTarget();
            var error = await Assert.ThrowsAsync<InvalidLockRequestException>(() => client.AcquireAsync(target, new LockOptions { Ttl = TimeSpan.FromSeconds(10) }));
            Assert.Contains("lock-actors.heartbeat-interval", error.Message, StringComparison.Ordinal);
            Assert.False((await client.GetInfoAsync(target)).IsHeld);
            await Assert.ThrowsAsync<InvalidLockRequestException>(() => client.TryAcquireAsync(target, new LockOptions { Ttl = TimeSpan.FromSeconds(10) }));
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Fact]
    public async Task A_ttl_that_leaves_room_for_one_missed_renewal_is_granted_and_renews_at_the_configured_interval()
    {
        // 5 s * 2 / (1 - 0.25) = 13.33 s is the shortest TTL with one missed renewal to spare.
        var system = NewSystem("lock-actors.heartbeat-interval = 5s");
        try
        {
            var locks = LockActorsExtension.Get(system);
            await using var handle = await locks.Client.AcquireAsync(NewTarget(), new LockOptions { Ttl = TimeSpan.FromSeconds(14) });
            Assert.Equal(TimeSpan.FromSeconds(5), locks.Settings.HeartbeatFor(TimeSpan.FromSeconds(14)));
            Assert.True(locks.Settings.HeartbeatFits(TimeSpan.FromSeconds(14)));
            Assert.False(locks.Settings.HeartbeatFits(TimeSpan.FromSeconds(13)));
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Fact]
    public async Task With_heartbeat_off_a_short_ttl_renews_at_a_third_of_it()
    {
        var system = NewSystem(string.Empty);
        try
        {
            var locks = LockActorsExtension.Get(system);
            await using var handle = await locks.Client.AcquireAsync(NewTarget(), new LockOptions { Ttl = TimeSpan.FromSeconds(1) });
            Assert.Equal(TimeSpan.FromSeconds(1) / 3, locks.Settings.HeartbeatFor(TimeSpan.FromSeconds(1)));
            await Task.Delay(1500);
            Assert.True(handle.CheckLease(), $"the lease was lost: {handle.LostReason}");
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Fact]
    public async Task A_request_renews_at_its_own_heartbeat_interval_instead_of_the_configured_one()
    {
        var system = NewSystem("lock-actors.heartbeat-interval = 10s");
        try
        {
            var locks = LockActorsExtension.Get(system);
            var target = NewTarget();
            var granted = await locks.Manager.Ask<LockGranted>(
                new Acquire(target, TimeSpan.FromSeconds(60)) { HeartbeatInterval = TimeSpan.FromMilliseconds(200) }, TimeSpan.FromSeconds(10));
            await AssertRenewsEvery200MsAsync(locks.Client, target);
            await locks.Manager.Ask<LockReleased>(new Release(target, granted.LockId), TimeSpan.FromSeconds(10));
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Fact]
    public async Task The_client_sends_its_heartbeat_interval_with_the_request()
    {
        var system = NewSystem("lock-actors.heartbeat-interval = 10s");
        try
        {
            var client = LockActorsExtension.Get(system).Client;
            var target = NewTarget();
            await using (await client.AcquireAsync(target, new LockOptions { Ttl = TimeSpan.FromSeconds(60), HeartbeatInterval = TimeSpan.FromMilliseconds(200) }))
            {
                await AssertRenewsEvery200MsAsync(client, target);
            }

            var error = await Assert.ThrowsAsync<InvalidLockRequestException>(() =>
                client.AcquireAsync(target, new LockOptions { Ttl = TimeSpan.FromSeconds(60), HeartbeatInterval = TimeSpan.FromMilliseconds(22_501) }));
            Assert.Contains("heartbeat interval", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            await system.Terminate();
        }
    }

    private static async Task AssertRenewsEvery200MsAsync(LockClient client, string target)
    {
        var last = (await client.GetInfoAsync(target)).Metadata!.HeartbeatAt;
        var renewals = 0;
        for (var i = 0; i < 30 && renewals < 3; i++)
        {
            await Task.Delay(100);
            var now = (await client.GetInfoAsync(target)).Metadata!.HeartbeatAt;
            renewals += now > last ? 1 : 0;
            last = now;
        }

        Assert.True(renewals >= 3, $"expected at least 3 renewals within 3 s at a 200 ms heartbeat, saw {renewals}");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(22_501)] // above 60 s * (1 - 0.25) / 2 = 22.5 s: a missed renewal would lose the lease
    public async Task A_request_heartbeat_that_is_not_positive_or_leaves_no_room_for_a_missed_renewal_is_refused(int milliseconds)
    {
        var system = NewSystem(string.Empty);
        try
        {
            var locks = LockActorsExtension.Get(system);
            var target = NewTarget();
            var request = new Acquire(target, TimeSpan.FromSeconds(60)) { HeartbeatInterval = TimeSpan.FromMilliseconds(milliseconds) };
            var error = await Assert.ThrowsAsync<InvalidLockRequestException>(() => locks.Manager.Ask<LockGranted>(request, TimeSpan.FromSeconds(10)));
            Assert.Contains("heartbeat interval", error.Message, StringComparison.Ordinal);
            Assert.False((await locks.Client.GetInfoAsync(target)).IsHeld);
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Fact]
    public void The_default_ttl_is_checked_against_the_heartbeat_at_start_up() =>
        ConfigAssert.Refused(() => LockActorsSettings.Create(ConfigurationFactory.ParseString("lock-actors { default-ttl = 10s, heartbeat-interval = 5s }")),
            "lock-actors.heartbeat-interval");
}
