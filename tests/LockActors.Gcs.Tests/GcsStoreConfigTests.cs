using Akka.Configuration;
using LockActors.Configuration;
using LockActors.Configuration.Stores;
using LockActors.Hosting;
using LockActors.Gcs;
using LockActors.Tests.Stores;
using Xunit;
using LockActors.Storage.Backends;

namespace LockActors.Gcs.Tests;

public sealed class GcsStoreConfigTests
{
    private static readonly StoreConfigReader<GcsLockStoreProvider, GcsStoreSettings> Section = new("gs", GcsStoreConfig.Read);

    private static GcsStoreSettings Read(string hocon) => Section.Read(hocon);

    [Fact]
    public void Reference_defaults_equal_the_store_defaults() => Assert.Equal(GcsStoreSettings.Default, Read(string.Empty));

    [Fact]
    public void Every_key_maps_onto_the_settings()
    {
        var settings = Read("""
            lock-actors.stores.gs {
              endpoint = "http://127.0.0.1:9199"
              credentials = access-token
              access-token = "tok"
              request-timeout = 3s
              retry { max-attempts = 6, initial-backoff = 10ms, max-backoff = 1s }
            }
            """);
        Assert.Equal(
            GcsStoreSettings.Default.WithEndpoint(new Uri("http://127.0.0.1:9199")).WithCredentials(GcsCredentials.FromAccessToken("tok"))
                .WithRequestTimeout(TimeSpan.FromSeconds(3)).WithRetry(RetryPolicy.Default.WithMaxAttempts(6).WithBackoff(TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(1))),
            settings);
        Assert.Equal(GcsCredentials.FromServiceAccountFile("/k.json"),
            Read("lock-actors.stores.gs { credentials = service-account-file, service-account-file = \"/k.json\" }").Credentials);
        Assert.Same(GcsCredentials.None, Read("lock-actors.stores.gs.credentials = none").Credentials);
    }

    [Theory]
    [InlineData("lock-actors.stores.gs.credentials = magic", "credentials")]
    [InlineData("lock-actors.stores.gs.credentials = service-account-file", "service-account-file")]
    [InlineData("lock-actors.stores.gs.credentials = access-token", "access-token")]
    [InlineData("lock-actors.stores.gs.endpoint = \"ftp://x\"", "endpoint")]
    [InlineData("lock-actors.stores.gs.request-timeout = 0s", "request-timeout")]
    [InlineData("lock-actors.stores.gs.retry.max-attempts = 0", "retry.max-attempts")]
    public void Invalid_settings_are_refused_naming_the_key(string hocon, string key) => Section.Refuses(hocon, key);

    [Fact]
    public void Hosting_options_render_to_the_same_settings_as_hocon()
    {
        var options = new LockActorsOptions();
        options.Stores.Add(new GcsStoreOptions
        {
            Endpoint = new Uri("http://127.0.0.1:9199"), ServiceAccountFile = "/keys/s\"a.json", RequestTimeout = TimeSpan.FromSeconds(2),
            Retry = new RetryOptions { MaxAttempts = 3, InitialBackoff = TimeSpan.FromMilliseconds(5), MaxBackoff = TimeSpan.FromMilliseconds(500) },
        });
        var settings = Section.Read(options);
        Assert.Equal(
            GcsStoreSettings.Default.WithEndpoint(new Uri("http://127.0.0.1:9199")).WithCredentials(GcsCredentials.FromServiceAccountFile("/keys/s\"a.json"))
                .WithRequestTimeout(TimeSpan.FromSeconds(2)).WithRetry(RetryPolicy.Default.WithMaxAttempts(3).WithBackoff(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(500))),
            settings);
        var none = new LockActorsOptions();
        none.Stores.Add(new GcsStoreOptions { NoCredentials = true });
        Assert.Same(GcsCredentials.None, Section.Read(none).Credentials);
    }

    [Fact]
    public void The_registry_serves_gs_targets_with_a_GcsLockStore()
    {
        var registry = LockStoreRegistryFactory.Create(new LockActorsOptions().UseGcs(gs => gs.NoCredentials = true).ToConfig());
        Assert.IsType<GcsLockStore>(registry.Resolve("gs"));
    }
}
