using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using LockActors.Client;
using LockActors.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace LockActors.Tests.Hosting;

/// <summary><see cref="ILockClient"/> in the service provider, and <c>TryAcquireAsync</c> with a wait.</summary>
public sealed class LockClientTests
{
    private static string NewTarget() => $"mem://client/{Guid.NewGuid():N}/a.csv";

    [Fact]
    public async Task AddLockClient_registers_the_extensions_client_as_ILockClient()
    {
        using var host = new HostBuilder()
            .ConfigureServices(services =>
            {
                services.AddAkka("di", builder => builder.WithLockActors(options => options.Stores.Add(new MemoryStoreOptions { PerActorSystem = true })));
                services.AddLockClient();
            })
            .Build();
        await host.StartAsync();
        try
        {
            var client = host.Services.GetRequiredService<ILockClient>();
            Assert.Same(LockActorsExtension.Get(host.Services.GetRequiredService<ActorSystem>()).Client, client);
            Assert.Same(client, host.Services.GetRequiredService<LockClient>());
            await using var handle = await client.AcquireAsync(NewTarget());
            Assert.Equal(1, host.Services.GetRequiredService<LockClient>().HeldCount);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task TryAcquireAsync_with_a_wait_returns_null_once_the_wait_is_over()
    {
        var system = ActorSystem.Create("try" + Guid.NewGuid().ToString("N")[..6], ConfigurationFactory.ParseString("lock-actors.stores.mem.scope = system"));
        try
        {
            ILockClient client = LockActorsExtension.Get(system).Client;
            var target = NewTarget();
            await using var held = await client.AcquireAsync(target);

            var clock = Stopwatch.StartNew();
            Assert.Null(await client.TryAcquireAsync(target, TimeSpan.FromMilliseconds(600)));
            Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(550), TimeSpan.FromSeconds(5));

            clock.Restart();
            Assert.Null(await client.TryAcquireAsync(target, new LockOptions { AcquireTimeout = TimeSpan.FromMilliseconds(600) }));
            Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(550), TimeSpan.FromSeconds(5));

            clock.Restart();
            Assert.Null(await client.TryAcquireAsync(target));
            Assert.True(clock.Elapsed < TimeSpan.FromMilliseconds(500), $"no wait was asked for, but it took {clock.Elapsed}");
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Fact]
    public async Task TryAcquireAsync_with_a_wait_gets_the_lock_when_it_is_released_in_time()
    {
        var system = ActorSystem.Create("try" + Guid.NewGuid().ToString("N")[..6], ConfigurationFactory.ParseString("lock-actors.stores.mem.scope = system"));
        try
        {
            var client = LockActorsExtension.Get(system).Client;
            var target = NewTarget();
            var held = await client.AcquireAsync(target);
            var waiting = client.TryAcquireAsync(target, TimeSpan.FromSeconds(10));
            await Task.Delay(200);
            await held.DisposeAsync();
            await using var handle = await waiting;
            Assert.NotNull(handle);
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Fact]
    public async Task TryAcquireAsync_refuses_a_negative_wait_instead_of_returning_null()
    {
        var system = ActorSystem.Create("try" + Guid.NewGuid().ToString("N")[..6], ConfigurationFactory.ParseString("lock-actors.stores.mem.scope = system"));
        try
        {
            await Assert.ThrowsAsync<InvalidLockRequestException>(() => LockActorsExtension.Get(system).Client.TryAcquireAsync(NewTarget(), TimeSpan.FromSeconds(-1)));
        }
        finally
        {
            await system.Terminate();
        }
    }
}
