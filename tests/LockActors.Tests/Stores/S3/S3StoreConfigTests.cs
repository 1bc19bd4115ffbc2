using Akka.Configuration;
using LockActors.Configuration;
using LockActors.Configuration.Stores;
using LockActors.Hosting;
using LockActors.S3;
using LockActors.Storage;
using Xunit;

namespace LockActors.Tests.Stores.S3;

public sealed class S3StoreConfigTests
{
    private static S3StoreSettings Read(string hocon) =>
        S3StoreConfig.Read(ProviderSection.Of<S3LockStoreProvider>(hocon, "s3"));

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
              read-retries = 4
              unknown-outcome-attempts = 5
              retry-backoff = 20ms
            }
            """);
        Assert.Equal(
            new S3StoreSettings
            {
                Region = "eu-west-1", ServiceUrl = "http://127.0.0.1:7480", ForcePathStyle = true, AccessKey = "AK", SecretKey = "SK",
                SessionToken = "TOKEN", Probe = S3ProbeMode.Warn, ConditionalDelete = S3ConditionalDeleteMode.Tombstone,
                RequestTimeout = TimeSpan.FromSeconds(3), ConnectTimeout = TimeSpan.FromSeconds(1), ReadRetries = 4,
                UnknownOutcomeAttempts = 5, RetryBackoff = TimeSpan.FromMilliseconds(20),
            },
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
            UnknownOutcomeAttempts = 2,
        });
        var settings = S3StoreConfig.Read(ProviderSection.Of<S3LockStoreProvider>(options.ToConfig(), "s3"));
        Assert.Equal("eu-west-1", settings.Region);
        Assert.Equal("http://127.0.0.1:7480", settings.ServiceUrl);
        Assert.True(settings.ForcePathStyle);
        Assert.Equal("S\"K", settings.SecretKey);
        Assert.Equal(S3ProbeMode.Off, settings.Probe);
        Assert.Equal(S3ConditionalDeleteMode.Native, settings.ConditionalDelete);
        Assert.Equal(TimeSpan.FromSeconds(2), settings.RequestTimeout);
        Assert.Equal(2, settings.UnknownOutcomeAttempts);
        Assert.Equal(S3StoreSettings.Default.ReadRetries, settings.ReadRetries);
    }

    [Theory]
    [InlineData("lock-actors.stores.s3.probe = sometimes", "probe")]
    [InlineData("lock-actors.stores.s3.conditional-delete = 1", "conditional-delete")]
    [InlineData("lock-actors.stores.s3.access-key = AK", "secret key")]
    [InlineData("lock-actors.stores.s3.service-url = \"not a url\"", "service URL")]
    public void Invalid_settings_are_refused_naming_the_key(string hocon, string mentioned)
    {
        var error = Assert.Throws<ArgumentException>(() => Read(hocon));
        Assert.Contains(mentioned, error.Message, StringComparison.Ordinal);
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
