using Akka.Configuration;
using LockActors.Configuration;
using LockActors.Hosting;
using LockActors.Messages;
using LockActors.Tests.Configuration;
using Xunit;

namespace LockActors.Tests;

public sealed class SettingsTests
{
    [Fact]
    public void Reference_conf_defaults_are_read_and_valid()
    {
        var settings = LockActorsSettings.Create(ConfigurationFactory.Empty);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.DefaultTtl);
        Assert.Null(settings.HeartbeatInterval);
        Assert.Equal(TimeSpan.FromSeconds(10), settings.HeartbeatFor(TimeSpan.FromSeconds(30)));
        Assert.Equal(TimeSpan.FromSeconds(22.5), settings.TrustedLeaseFor(TimeSpan.FromSeconds(30)));
        Assert.Same(StalePolicy.TakeOver, settings.OnStale);
        Assert.Contains('/', settings.OwnerId);
    }

    [Theory]
    [InlineData("lock-actors.default-ttl = 0s", "default-ttl")]
    [InlineData("lock-actors.default-ttl = -1s", "default-ttl")]
    [InlineData("lock-actors.heartbeat-interval = 20s", "heartbeat-interval")]
    [InlineData("lock-actors.lease-safety-margin = 0.95", "lease-safety-margin")]
    [InlineData("lock-actors.poll-interval = 0s", "poll-interval")]
    [InlineData("lock-actors.max-poll-interval = 1ms", "max-poll-interval")]
    [InlineData("lock-actors.store-operation-timeout = 0s", "store-operation-timeout")]
    [InlineData("lock-actors.max-waiters-per-target = 0", "max-waiters-per-target")]
    [InlineData("lock-actors.manager-shards = -1", "manager-shards")]
    [InlineData("lock-actors.manager-shards = 1025", "manager-shards")]
    [InlineData("lock-actors.on-stale = sometimes", "on-stale")]
    [InlineData("lock-actors.fencing = sometimes", "fencing")]
    [InlineData("lock-actors.default-ttl = 2d", "default-ttl")]
    public void Invalid_settings_are_rejected_naming_the_key(string hocon, string key)
    {
        var error = Assert.Throws<LockConfigurationException>(() => LockActorsSettings.Create(ConfigurationFactory.ParseString(hocon)));
        Assert.Equal("lock-actors." + key, error.Key);
        Assert.Null(error.Target);
    }

    [Fact]
    public void Hosting_options_map_one_to_one_onto_hocon_keys()
    {
        var options = new LockActorsOptions
        {
            DefaultTtl = TimeSpan.FromMinutes(2),
            HeartbeatInterval = TimeSpan.FromSeconds(20),
            LeaseSafetyMargin = 0.3,
            AcquireTimeout = TimeSpan.FromSeconds(9),
            PassivateAfter = TimeSpan.FromSeconds(4),
            MaxWaitersPerTarget = 50,
            ManagerShards = 3,
            OwnerId = "svc \"a\"",
            OnStale = StalePolicy.Never,
            Fencing = FencingMode.Strict,
        };
        options.Stores.Add(new FileStoreOptions { Root = "/data/in", CheckAndWriteTimeout = TimeSpan.FromSeconds(2) });
        options.Stores.Add(new MemoryStoreOptions { PerActorSystem = true });
        var config = options.ToConfig();
        var settings = LockActorsSettings.Create(config);
        Assert.Equal(TimeSpan.FromMinutes(2), settings.DefaultTtl);
        Assert.Equal(TimeSpan.FromSeconds(20), settings.HeartbeatInterval);
        Assert.Equal(0.3, settings.LeaseSafetyMargin);
        Assert.Equal(TimeSpan.FromSeconds(9), settings.AcquireTimeout);
        Assert.Equal(TimeSpan.FromSeconds(4), settings.PassivateAfter);
        Assert.Equal(50, settings.MaxWaitersPerTarget);
        Assert.Equal(3, settings.ManagerShards);
        Assert.Equal("svc \"a\"", settings.OwnerId);
        Assert.Same(StalePolicy.Never, settings.OnStale);
        Assert.Equal(FencingMode.Strict, settings.Fencing);
        Assert.Equal("/data/in", config.GetString("lock-actors.stores.file.root"));
        Assert.Equal(TimeSpan.FromSeconds(2), config.GetTimeSpan("lock-actors.stores.file.check-and-write-timeout"));
        Assert.Equal("system", config.GetString("lock-actors.stores.mem.scope"));
    }

    [Fact]
    public void Sample_hocon_files_parse_into_valid_settings()
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "HOCON");
        var files = Directory.GetFiles(dir, "*.conf");
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var config = ConfigurationFactory.ParseString(File.ReadAllText(file));
            LockActorsSettings.Create(config);
            LockActors.Configuration.Stores.LockStoreRegistryFactory.Create(config);
        }
    }
}
