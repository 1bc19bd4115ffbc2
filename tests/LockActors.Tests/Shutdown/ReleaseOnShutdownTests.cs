using System.Diagnostics;
using Akka.Actor;
using Akka.Hosting;
using LockActors.Client;
using LockActors.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;
using Xunit.Abstractions;

namespace LockActors.Tests.Shutdown;

/// <summary>
/// Locks end with their owner: a process that stops (terminate, coordinated shutdown, host stop) removes its sidecars,
/// so the next process acquires at once instead of waiting for a stale takeover (TTL 30 s here; its acquire waits 1 s).
/// </summary>
public sealed class ReleaseOnShutdownTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("file", "terminate")]
    [InlineData("file", "coordinated-shutdown")]
    [InlineData("mem", "terminate")]
    [InlineData("mem", "coordinated-shutdown")]
    public async Task Held_locks_are_released_when_the_system_stops_and_the_next_process_acquires_at_once(string scheme, string stop)
    {
        using var scenario = new ShutdownScenario(scheme, output);
        var first = scenario.NewSystem("first");
        var locks = LockActorsExtension.Get(first);
        var handles = new List<LockHandle>();
        foreach (var target in scenario.Targets)
        {
            handles.Add(await locks.Client.AcquireAsync(target)); // held, never disposed: the process just stops
        }

        Assert.Equal(scheme == "file" ? scenario.Targets.Count : 0, scenario.RemainingSidecarFiles().Length);

        var watch = Stopwatch.StartNew();
        var gone = scenario.SidecarFilesGoneAsync(watch, TimeSpan.FromSeconds(5)); // polled while the system stops
        var stopped = stop == "terminate" ? first.Terminate() : CoordinatedShutdown.Get(first).Run(CoordinatedShutdown.UnknownReason.Instance);
        await stopped.WaitAsync(TimeSpan.FromSeconds(20));
        var terminated = watch.Elapsed;
        Assert.Empty(scenario.RemainingSidecarFiles());
        Assert.True(first.WhenTerminated.IsCompleted);
        Assert.All(handles, h => Assert.False(h.CheckLease()));

        var acquire = await scenario.NextProcessAcquiresEveryTargetAsync("next");
        scenario.Report($"{scheme}/{stop}: stop -> system terminated", terminated);
        if (scheme == "file")
        {
            scenario.Report($"{scheme}/{stop}: stop -> sidecars gone", await gone);
        }

        scenario.Report($"{scheme}/{stop}: next system's acquire (slowest of {scenario.Targets.Count})", acquire);
        Assert.True(acquire < ShutdownScenario.NextAcquireTimeout, $"the next process waited {acquire}");
    }

    [Fact]
    public async Task Host_StopAsync_releases_the_held_locks()
    {
        using var scenario = new ShutdownScenario("file", output);
        using var host = new HostBuilder()
            .ConfigureServices(services => services.AddAkka("hosted", builder =>
                builder.WithLockActors(options =>
                {
                    options.DefaultTtl = ShutdownScenario.Ttl;
                    options.Stores.Add(new FileStoreOptions { Root = scenario.Directory });
                })))
            .Build();
        await host.StartAsync();
        var system = host.Services.GetRequiredService<ActorSystem>();
        var client = LockActorsExtension.Get(system).Client;
        var handles = new List<LockHandle>();
        foreach (var target in scenario.Targets)
        {
            handles.Add(await client.AcquireAsync(target));
        }

        Assert.Equal(scenario.Targets.Count, scenario.RemainingSidecarFiles().Length);
        var watch = Stopwatch.StartNew();
        var disappeared = scenario.SidecarFilesGoneAsync(watch, TimeSpan.FromSeconds(5));
        await host.StopAsync().WaitAsync(TimeSpan.FromSeconds(20));
        var stopped = watch.Elapsed;
        var gone = await disappeared;
        Assert.Empty(scenario.RemainingSidecarFiles());
        Assert.All(handles, h => Assert.Equal(Messages.LockLossCause.Shutdown, h.LostCause));

        var acquire = await scenario.NextProcessAcquiresEveryTargetAsync("next");
        scenario.Report("host: StopAsync returned", stopped);
        scenario.Report("host: StopAsync -> sidecars gone", gone);
        scenario.Report($"host: next system's acquire (slowest of {scenario.Targets.Count})", acquire);
    }

    [Fact]
    public async Task Strict_fencing_leaves_a_tombstone_that_the_next_process_replaces_with_a_greater_token()
    {
        using var scenario = new ShutdownScenario("file", output, targets: 1);
        var first = scenario.NewSystem("first", "lock-actors.fencing = strict");
        var held = await LockActorsExtension.Get(first).Client.AcquireAsync(scenario.Targets[0]);
        await first.Terminate().WaitAsync(TimeSpan.FromSeconds(20));

        var next = LockActorsExtension.Get(scenario.NewSystem("next", "lock-actors.fencing = strict"));
        var watch = Stopwatch.StartNew();
        await using var handle = await next.Client.AcquireAsync(scenario.Targets[0], new LockOptions { AcquireTimeout = ShutdownScenario.NextAcquireTimeout });
        scenario.Report("strict fencing: next system's acquire over the tombstone", watch.Elapsed);
        Assert.True(handle.FencingToken > held.FencingToken, $"{handle.FencingToken} after {held.FencingToken}");
    }
}
