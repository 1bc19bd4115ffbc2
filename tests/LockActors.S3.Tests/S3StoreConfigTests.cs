using LockActors.Storage.Backends;
using Akka.Configuration;
using LockActors.Configuration;
using LockActors.Configuration.Stores;
using LockActors.Hosting;
using LockActors.S3;
using LockActors.Storage;
using LockActors.Tests.Stores;
using Xunit;

namespace LockActors.S3.Tests;

public sealed class S3StoreConfigTests
{
    private static readonly StoreConfigReader<S3LockStoreProvider, S3StoreSettings> Section = new("s3", S3StoreConfig.Read);

    private static S3StoreSettings Read(string hocon) => Section.Read(hocon);

    [Fact]
    public void Reference_defaults_equal_the_store_defaults()
    {
        Assert.Equal(S3StoreSettings.Default, Read(string.Empty));
    }

    [Fact]
    public void Every_key_maps_onto_the_settings()
    {
        var settings = Read("""
            lock-actors.stores.s3 {
              region = eu-west-1
              service-url = "http://127.0.0.1:7480"
              force-path-style = on
              access-key = AK
              secret-key = SK
              session-token = TOKEN
              probe = warn
              conditional-delete = tombstone
              request-timeout = 3s
              connect-timeout = 1s
              retry { max-attempts = 5, initial-backoff = 20ms, max-backoff = 40ms }
            }
            """);
        Assert.Equal(
            S3StoreSettings.Default
                .WithRegion("eu-west-1").WithServiceUrl("http://127.0.0.1:7480", forcePathStyle: true).WithCredentials("AK", "SK", "TOKEN")
                .WithProbe(S3ProbeMode.Warn).WithConditionalDelete(S3ConditionalDeleteMode.Tombstone)
                .WithTimeouts(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(1))
                .WithRetry(RetryPolicy.Default.WithMaxAttempts(5).WithBackoff(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(40))),
            settings);
    }

    [Fact]
    public void Hosting_options_render_to_the_same_settings_as_hocon()
    {
        var options = new LockActorsOptions();
        options.Stores.Add(new S3StoreOptions
        {
            Region = "eu-west-1", ServiceUrl = "http://127.0.0.1:7480", ForcePathStyle = true, AccessKey = "AK", SecretKey = "S\"K",
            Probe = S3ProbeMode.Off, ConditionalDelete = S3ConditionalDeleteMode.Native, RequestTimeout = TimeSpan.FromSeconds(2),
            Retry = new RetryOptions { MaxAttempts = 2 },
        });
        var settings = Section.Read(options);
        Assert.Equal("eu-west-1", settings.Region);
        Assert.Equal("http://127.0.0.1:7480", settings.ServiceUrl);
        Assert.True(settings.ForcePathStyle);
        Assert.Equal("S\"K", settings.SecretKey);
        Assert.Equal(S3ProbeMode.Off, settings.Probe);
        Assert.Equal(S3ConditionalDeleteMode.Native, settings.ConditionalDelete);
        Assert.Equal(TimeSpan.FromSeconds(2), settings.RequestTimeout);
        Assert.Equal(2, settings.Retry.MaxAttempts);
        Assert.Equal(S3StoreSettings.Default.Retry.InitialBackoff, settings.Retry.InitialBackoff);
    }

    [Theory]
    [InlineData("lock-actors.stores.s3.probe = sometimes", "probe", "probe")]
    [InlineData("lock-actors.stores.s3.conditional-delete = 1", "conditional-delete", "conditional-delete")]
    [InlineData("lock-actors.stores.s3.access-key = AK", "secret-key", "access-key")]
    [InlineData("lock-actors.stores.s3.service-url = \"not a url\"", "service-url", "service-url")]
    [InlineData("lock-actors.stores.s3.request-timeout = 0s", "request-timeout", "request-timeout")]
    [InlineData("lock-actors.stores.s3.retry.max-attempts = 0", "retry.max-attempts", "retry.max-attempts")]
    public void Invalid_settings_are_refused_naming_the_key(string hocon, string mentioned, string key)
    {
        Section.Refuses(hocon, key, mentioned);
    }

    [Fact]
    public void S3_is_served_only_once_configured()
    {
        var unconfigured = LockStoreRegistryFactory.Create(ConfigurationFactory.Empty);
        Assert.False(unconfigured.Supports("s3"));
        Assert.Throws<UnsupportedSchemeException>(() => unconfigured.Resolve("s3"));

        var configured = LockStoreRegistryFactory.Create(new LockActorsOptions().UseS3(s3 => s3.Region = "eu-west-1").ToConfig());
        Assert.IsType<S3LockStore>(configured.Resolve("s3"));
    }

    [Fact]
    public void A_section_without_a_provider_is_refused_naming_the_key()
    {
        var error = Assert.Throws<LockConfigurationException>(() =>
            LockStoreRegistryFactory.Create(ConfigurationFactory.ParseString("lock-actors.stores.s3.region = eu-west-1")));
        Assert.Equal("lock-actors.stores.s3.provider", error.Key);
        Assert.Contains("lock-actors.stores.s3.provider", error.Message, StringComparison.Ordinal);
    }
}
