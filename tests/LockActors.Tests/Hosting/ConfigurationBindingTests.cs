using Akka.Hosting;
using LockActors.Configuration;
using LockActors.Hosting;
using LockActors.Messages;
using LockActors.Tests.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace LockActors.Tests.Hosting;

/// <summary>Settings bound from <c>IConfiguration</c> (appsettings.json section <c>LockActors</c>) through <c>WithLockActors(section)</c>.</summary>
public sealed class ConfigurationBindingTests
{
    private static IConfigurationSection Section(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection("LockActors");

    [Theory]
    [InlineData("DefaultTtl", "default-ttl")]
    [InlineData("default-ttl", "default-ttl")]
    [InlineData("HostKeySha256", "host-key-sha256")]
    [InlineData("ServiceURL", "service-url")]
    [InlineData("S3", "s3")]
    [InlineData("Gs", "gs")]
    [InlineData("AcceptAnyHostKeyInsecure", "accept-any-host-key-insecure")]
    [InlineData("max_waiters_per_target", "max-waiters-per-target")]
    public void Names_become_kebab_case(string name, string key) => Assert.Equal(key, ConfigurationTranslator.Kebab(name));

    [Fact]
    public void A_json_boolean_reads_as_a_hocon_boolean()
    {
        // System.Text.Json's configuration provider turns `"ForcePathStyle": true` into the string "True".
        var config = ConfigurationTranslator.ToConfig(Section(new()
        {
            ["LockActors:Stores:S3:ForcePathStyle"] = "True",
            ["LockActors:Stores:Sftp:AcceptAnyHostKeyInsecure"] = "False",
        }));
        Assert.True(config.GetBoolean("lock-actors.stores.s3.force-path-style"));
        Assert.False(config.GetBoolean("lock-actors.stores.sftp.accept-any-host-key-insecure", true));
    }

    [Fact]
    public void Every_core_setting_reads_from_pascal_case_names_with_durations_as_strings()
    {
        var config = ConfigurationTranslator.ToConfig(Section(new()
        {
            ["LockActors:DefaultTtl"] = "00:01:00",
            ["LockActors:HeartbeatInterval"] = "5s",
            ["LockActors:LeaseSafetyMargin"] = "0.3",
            ["LockActors:StaleGrace"] = "00:00:00.250",
            ["LockActors:AcquireTimeout"] = "9s",
            ["LockActors:PollInterval"] = "100ms",
            ["LockActors:MaxPollInterval"] = "1s",
            ["LockActors:StoreOperationTimeout"] = "8s",
            ["LockActors:PassivateAfter"] = "4s",
            ["LockActors:MaxWaitersPerTarget"] = "50",
            ["LockActors:OwnerId"] = "svc \"a\"\n1",
            ["LockActors:OnStale"] = "never",
            ["LockActors:Fencing"] = "strict",
            ["LockActors:Stores:File:Root"] = "/data/in",
            ["LockActors:Stores:Mem:Scope"] = "system",
        }));
        var settings = LockActorsSettings.Create(config);
        Assert.Equal(TimeSpan.FromMinutes(1), settings.DefaultTtl);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.HeartbeatInterval);
        Assert.Equal(0.3, settings.LeaseSafetyMargin);
        Assert.Equal(TimeSpan.FromMilliseconds(250), settings.StaleGrace);
        Assert.Equal(TimeSpan.FromSeconds(9), settings.AcquireTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(100), settings.PollInterval);
        Assert.Equal(TimeSpan.FromSeconds(1), settings.MaxPollInterval);
        Assert.Equal(TimeSpan.FromSeconds(8), settings.StoreOperationTimeout);
        Assert.Equal(TimeSpan.FromSeconds(4), settings.PassivateAfter);
        Assert.Equal(50, settings.MaxWaitersPerTarget);
        Assert.Equal("svc \"a\"\n1", settings.OwnerId);
        Assert.Same(StalePolicy.Never, settings.OnStale);
        Assert.Equal(FencingMode.Strict, settings.Fencing);
        Assert.Equal("/data/in", config.GetString("lock-actors.stores.file.root"));
        Assert.Equal("system", config.GetString("lock-actors.stores.mem.scope"));
        LockActors.Configuration.Stores.LockStoreRegistryFactory.Create(config);
    }

    [Fact]
    public void Backend_keys_lists_and_nested_sections_reach_the_backend_section()
    {
        var config = ConfigurationTranslator.ToConfig(Section(new()
        {
            ["LockActors:Stores:Sftp:Provider"] = "LockActors.Sftp.SftpLockStoreProvider, LockActors.Sftp",
            ["LockActors:Stores:Sftp:HostKeySha256:0"] = "SHA256:one",
            ["LockActors:Stores:Sftp:HostKeySha256:1"] = "SHA256:two",
            ["LockActors:Stores:Sftp:AcceptAnyHostKeyInsecure"] = "false",
            ["LockActors:Stores:Gs:Provider"] = "LockActors.Gcs.GcsLockStoreProvider, LockActors.Gcs",
            ["LockActors:Stores:Gs:Credentials"] = "none",
            ["LockActors:Stores:Gs:Retry:MaxAttempts"] = "2",
        }));
        Assert.Equal(["SHA256:one", "SHA256:two"], config.GetStringList("lock-actors.stores.sftp.host-key-sha256"));
        Assert.False(config.GetBoolean("lock-actors.stores.sftp.accept-any-host-key-insecure"));
        Assert.Equal(2, config.GetInt("lock-actors.stores.gs.retry.max-attempts"));
        var registry = LockActors.Configuration.Stores.LockStoreRegistryFactory.Create(config);
        Assert.True(registry.Supports("sftp"));
        Assert.True(registry.Supports("gs"));
    }

    [Theory]
    [InlineData("LockActors:DefualtTtl", "lock-actors.defualt-ttl", "default-ttl")]
    [InlineData("LockActors:Stores:File:Rooot", "lock-actors.stores.file.rooot", "root")]
    public async Task A_misspelled_appsettings_key_fails_host_start_naming_the_key(string name, string fullKey, string nearest)
    {
        using var host = new HostBuilder()
            .ConfigureAppConfiguration(c => c.AddInMemoryCollection(new Dictionary<string, string?> { [name] = "10s" }))
            .ConfigureServices((context, services) => services.AddAkka("binding", builder => builder.WithLockActors(context.Configuration.GetSection("LockActors"))))
            .Build();
        try
        {
            var error = await ConfigAssert.RefusedAsync(() => host.StartAsync(), fullKey);
            Assert.Contains($"did you mean {nearest}?", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task An_appsettings_json_file_configures_the_host()
    {
        var dir = Directory.CreateTempSubdirectory("appsettings-");
        var file = Path.Combine(dir.FullName, "appsettings.json");
        await File.WriteAllTextAsync(file, """
            {
              "LockActors": {
                "DefaultTtl": "00:00:45",
                "AcquireTimeout": "5s",
                "Stores": { "File": { "Root": "ROOT" }, "Mem": { "Scope": "system" } }
              }
            }
            """.Replace("ROOT", dir.FullName, StringComparison.Ordinal));
        using var host = new HostBuilder()
            .ConfigureAppConfiguration(c => c.AddJsonFile(file))
            .ConfigureServices((context, services) => services.AddAkka("json", builder => builder.WithLockActors(context.Configuration.GetSection("LockActors"))))
            .Build();
        await host.StartAsync();
        try
        {
            var locks = LockActorsExtension.Get(host.Services.GetRequiredService<Akka.Actor.ActorSystem>());
            Assert.Equal(TimeSpan.FromSeconds(45), locks.Settings.DefaultTtl);
            Assert.Equal(TimeSpan.FromSeconds(5), locks.Settings.AcquireTimeout);
            await Assert.ThrowsAsync<LockActors.Storage.InvalidLockTargetException>(() => locks.Client.AcquireAsync("file:///etc/outside.csv"));
        }
        finally
        {
            await host.StopAsync();
            dir.Delete(true);
        }
    }
}
