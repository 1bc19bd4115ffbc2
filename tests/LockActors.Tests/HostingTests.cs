using Akka.Hosting;
using LockActors.Actors;
using LockActors.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace LockActors.Tests;

public sealed class HostingTests
{
    [Fact]
    public async Task WithLockActors_registers_the_manager_and_applies_the_options()
    {
        using var host = new HostBuilder()
            .ConfigureServices(services => services.AddAkka("hosted", builder =>
                builder.WithLockActors(options =>
                {
                    options.DefaultTtl = TimeSpan.FromSeconds(7);
                    options.Stores.Add(new MemoryStoreOptions { PerActorSystem = true });
                })))
            .Build();
        await host.StartAsync();
        try
        {
            var manager = await host.Services.GetRequiredService<ActorRegistry>().GetAsync<LockManager>();
            var system = host.Services.GetRequiredService<Akka.Actor.ActorSystem>();
            var locks = LockActorsExtension.Get(system);
            Assert.Equal(locks.Manager, manager);
            Assert.Equal(TimeSpan.FromSeconds(7), locks.Settings.DefaultTtl);
            await using var handle = await locks.Client.AcquireAsync($"mem://hosted/{Guid.NewGuid():N}/a.csv");
            Assert.Equal(TimeSpan.FromSeconds(7), handle.Metadata.Ttl);
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
