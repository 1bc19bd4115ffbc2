using Akka.Hosting;
using LockActors.Hosting;
using LockActors.Storage;
using LockActors.Gcs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using LockActors.TestServers.Gcs;
using Xunit;

namespace LockActors.Gcs.Tests;

/// <summary>gs:// through Akka.Hosting: options rendered to HOCON, and the token-provider route through configureStores.</summary>
public sealed class GcsHostingTests
{
    private static async Task WithHostAsync(Action<AkkaConfigurationBuilder> configure, Func<LockActorsExtension, Task> test)
    {
        using var host = new HostBuilder().ConfigureServices(services => services.AddAkka("gcs-hosted", configure)).Build();
        await host.StartAsync();
        try
        {
            await test(LockActorsExtension.Get(host.Services.GetRequiredService<Akka.Actor.ActorSystem>()));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task GcsStoreOptions_point_the_gs_store_at_the_configured_endpoint_with_its_fixed_token()
    {
        await using var emulator = GcsTestEmulator.StartNew("hosted");
        emulator.RequiredBearerToken = "fixed-token";
        await WithHostAsync(
            builder => builder.WithLockActors(options => options.Stores.Add(new GcsStoreOptions
            {
                Endpoint = emulator.Endpoint, AccessToken = "fixed-token", RequestTimeout = TimeSpan.FromSeconds(2),
            })),
            async locks =>
            {
                var store = Assert.IsType<GcsLockStore>(locks.Stores.Resolve("gs"));
                Assert.Equal(emulator.Endpoint, store.Settings.Endpoint);
                await using var handle = await locks.Client.AcquireAsync($"gs://hosted/{Guid.NewGuid():N}/a.csv");
                Assert.True(handle.FencingToken > 0);
            });
    }

    [Fact]
    public async Task An_access_token_provider_is_registered_through_configureStores()
    {
        await using var emulator = GcsTestEmulator.StartNew("hosted");
        emulator.RequiredBearerToken = "rotating-token";
        var calls = 0;
        await WithHostAsync(
            builder => builder.WithLockActors(
                configureStores: registry => registry.Register("gs", () => new GcsLockStore(GcsStoreSettings.Default
                    .WithEndpoint(emulator.Endpoint)
                    .WithCredentials(GcsCredentials.FromAccessTokenProvider(_ =>
                    {
                        Interlocked.Increment(ref calls);
                        return Task.FromResult("rotating-token");
                    }))))),
            async locks =>
            {
                var target = $"gs://hosted/{Guid.NewGuid():N}/a.csv";
                await using (await locks.Client.AcquireAsync(target))
                {
                    Assert.True((await locks.Client.GetInfoAsync(target)).IsHeld);
                }

                Assert.True(calls >= 2, $"the provider was asked for {calls} token(s)");
            });

        emulator.RequiredBearerToken = "another-token";
        await WithHostAsync(
            builder => builder.WithLockActors(options => options.Stores.Add(new GcsStoreOptions { Endpoint = emulator.Endpoint, AccessToken = "stale" })),
            async locks =>
            {
                var error = await Assert.ThrowsAnyAsync<Exception>(() => locks.Client.AcquireAsync($"gs://hosted/{Guid.NewGuid():N}/b.csv"));
                Assert.True(error is StoreAccessDeniedException || error.InnerException is StoreAccessDeniedException, error.ToString());
            });
    }
}
