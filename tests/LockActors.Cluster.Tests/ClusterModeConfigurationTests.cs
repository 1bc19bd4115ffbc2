using Akka.Configuration;
using LockActors.Configuration;
using LockActors.Hosting;
using Xunit;

namespace LockActors.Cluster.Tests;

/// <summary>The <c>lock-actors.cluster { }</c> keys: defaults, Hosting options, validation, and a missing package or cluster provider.</summary>
public sealed class ClusterModeConfigurationTests
{
    [Fact]
    public void Cluster_mode_is_off_by_default_and_UseClusterSharding_turns_it_on_with_this_packages_provider()
    {
        Assert.False(LockActorsSettings.Create(Config.Empty).Cluster.Enabled);

        var options = new LockActorsOptions().UseClusterSharding(c =>
        {
            c.Role = "ingest";
            c.NumberOfShards = 40;
            c.PassivateIdleAfter = TimeSpan.FromMinutes(2);
        });
        var settings = LockActorsSettings.Create(options.ToConfig()).Cluster;
        Assert.True(settings.Enabled);
        Assert.Equal("ingest", settings.Role);
        Assert.Equal(40, settings.NumberOfShards);
        Assert.Equal(TimeSpan.FromMinutes(2), settings.PassivateIdleAfter);
        Assert.Equal(typeof(ClusterShardingLockProvider), Type.GetType(settings.Provider));
        Assert.Equal(ClusterModeSettings.DefaultProvider, settings.Provider);
    }

    [Theory]
    [InlineData("lock-actors.cluster.number-of-shards = 0", "lock-actors.cluster.number-of-shards")]
    [InlineData("lock-actors.cluster.passivate-idle-after = 0s", "lock-actors.cluster.passivate-idle-after")]
    [InlineData("lock-actors.cluster.enabeld = on", "lock-actors.cluster.enabeld")]
    public void Invalid_cluster_keys_fail_naming_the_key(string hocon, string key)
    {
        var error = Assert.Throws<LockConfigurationException>(() => LockActorsSettings.Create(ConfigurationFactory.ParseString(hocon)));
        Assert.Equal(key, error.Key);
    }

    [Fact]
    public void Cluster_mode_on_an_actor_system_that_is_not_a_cluster_fails_at_start_naming_the_key()
    {
        using var system = Akka.Actor.ActorSystem.Create("not-a-cluster", ConfigurationFactory.ParseString("lock-actors.cluster.enabled = on"));
        var error = Assert.ThrowsAny<Exception>(() => LockActorsExtension.Get(system));
        var configuration = error as LockConfigurationException ?? error.InnerException as LockConfigurationException;
        Assert.NotNull(configuration);
        Assert.Equal("lock-actors.cluster.enabled", configuration.Key);
    }
}
