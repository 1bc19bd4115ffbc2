using Akka.Actor;
using Akka.Configuration;
using Akka.Coordination;
using LockActors.Coordination;
using Xunit;

namespace LockActors.Coordination.Tests;

/// <summary>How Akka finds and configures the lease: HOCON, the embedded defaults and the Akka.Hosting option.</summary>
public sealed class LeaseConfigurationTests
{
    [Fact]
    public void Embedded_defaults_name_the_lease_class_and_Akka_timeouts()
    {
        var section = LockActorsLease.DefaultConfig.GetConfig(LockActorsLease.ConfigPath);
        Assert.Equal(typeof(LockActorsLease), Type.GetType(section.GetString("lease-class"), throwOnError: true));
        Assert.Equal(string.Empty, section.GetString("lease-root"));
        var timeouts = TimeoutSettings.Create(section);
        Assert.Equal(TimeSpan.FromSeconds(120), timeouts.HeartbeatTimeout);
        Assert.Equal(TimeSpan.FromSeconds(12), timeouts.HeartbeatInterval);
        Assert.Equal(TimeSpan.FromSeconds(5), timeouts.OperationTimeout);
    }

    [Fact]
    public async Task LeaseProvider_builds_the_lease_from_a_section_that_only_sets_the_root()
    {
        var config = ConfigurationFactory.ParseString("""akka.coordination.lease.lock-actors.lease-root = "mem://leases/config/" """)
            .WithFallback(LockActorsLease.DefaultConfig);
        var system = ActorSystem.Create("lease-config", config);
        try
        {
            var lease = LeaseProvider.Get(system).GetLease("sys-singleton-/user/x", LockActorsLease.ConfigPath, "owner");
            var typed = Assert.IsType<LockActorsLease>(lease);
            Assert.Equal("mem://leases/config/sys-singleton-_2Fuser_2Fx", typed.Target);
            Assert.Equal(TimeSpan.FromSeconds(120), lease.Settings.TimeoutSettings.HeartbeatTimeout);
            Assert.True(await lease.Acquire());
            Assert.True(await lease.Release());
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Fact]
    public async Task Lease_renews_at_the_heartbeat_interval_of_its_section()
    {
        // A 60 s TTL would renew every 20 s at LockActors' own default cadence; the section asks for 200 ms.
        var config = ConfigurationFactory.ParseString("""
            akka.coordination.lease.lock-actors {
              lease-root = "mem://leases/heartbeat/"
              heartbeat-timeout = 60s
              heartbeat-interval = 200ms
            }
            lock-actors.stores.mem.scope = system
            """).WithFallback(LockActorsLease.DefaultConfig);
        var system = ActorSystem.Create("lease-heartbeat", config);
        try
        {
            var lease = (LockActorsLease)LeaseProvider.Get(system).GetLease("renewing", LockActorsLease.ConfigPath, "owner");
            Assert.True(await lease.Acquire());
            var client = LockActorsExtension.Get(system).Client;
            var first = (await client.GetInfoAsync(lease.Target)).Metadata!.HeartbeatAt;
            var renewals = 0;
            var last = first;
            for (var i = 0; i < 30 && renewals < 3; i++)
            {
                await Task.Delay(100);
                var now = (await client.GetInfoAsync(lease.Target)).Metadata!.HeartbeatAt;
                renewals += now > last ? 1 : 0;
                last = now;
            }

            Assert.True(renewals >= 3, $"expected at least 3 renewals within 3 s at a 200 ms heartbeat-interval, saw {renewals}");
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Theory]
    [InlineData("", "lease-root")]
    [InlineData("mem://leases/no-slash", "lease-root")]
    [InlineData("not a uri/", "lease-root")]
    [InlineData("nosuch://bucket/leases/", "lease-root")]
    public async Task Invalid_root_fails_naming_the_key(string root, string key)
    {
        var config = ConfigurationFactory.ParseString($"akka.coordination.lease.lock-actors.lease-root = \"{root}\"").WithFallback(LockActorsLease.DefaultConfig);
        var system = ActorSystem.Create("lease-bad-config", config);
        try
        {
            var error = Assert.ThrowsAny<Exception>(() => LeaseProvider.Get(system).GetLease("x", LockActorsLease.ConfigPath, "owner"));
            var configError = Assert.IsType<LockConfigurationException>(error.InnerException ?? error);
            Assert.Equal(key, configError.Key);
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Fact]
    public void Hosting_option_writes_only_what_is_set()
    {
        var option = new LockActorsLeaseOption { LeaseRoot = "s3://bucket/akka \"leases\"/", HeartbeatTimeout = TimeSpan.FromSeconds(30) };
        Assert.Equal(LockActorsLease.ConfigPath, option.ConfigPath);
        Assert.Equal(typeof(LockActorsLease), option.Class);
        var section = ConfigurationFactory.ParseString(option.ToHocon()).WithFallback(LockActorsLease.DefaultConfig).GetConfig(LockActorsLease.ConfigPath);
        Assert.Equal("s3://bucket/akka \"leases\"/", section.GetString("lease-root"));
        Assert.Equal(TimeSpan.FromSeconds(30), section.GetTimeSpan("heartbeat-timeout"));
        Assert.Equal(TimeSpan.FromSeconds(12), section.GetTimeSpan("heartbeat-interval"));
    }
}
