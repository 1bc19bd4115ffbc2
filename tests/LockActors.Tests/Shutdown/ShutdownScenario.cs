using System.Diagnostics;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using LockActors.Client;
using LockActors.Configuration;
using LockActors.Storage;
using Xunit;
using Xunit.Abstractions;

namespace LockActors.Tests.Shutdown;

/// <summary>
/// Actor systems that stand for successive processes sharing a lock directory: the first holds locks and shuts down,
/// the next must get them at once. The TTL is 30 s, so a sidecar left behind would make the next acquire (1 s) fail.
/// </summary>
internal sealed class ShutdownScenario : IDisposable
{
    public static readonly TimeSpan Ttl = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan NextAcquireTimeout = TimeSpan.FromSeconds(1);

    private readonly ITestOutputHelper _output;
    private readonly List<ActorSystem> _systems = [];

    public ShutdownScenario(string scheme, ITestOutputHelper output, int targets = 3)
    {
        _output = output;
        Directory = Path.Combine(Path.GetTempPath(), "lockactors-shutdown-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        Targets = Enumerable.Range(0, targets)
            .Select(i => scheme == "file" ? new Uri(Path.Combine(Directory, $"inbox-{i}.csv")).AbsoluteUri : $"mem://shutdown/{Guid.NewGuid():N}/inbox-{i}.csv")
            .ToArray();
    }

    /// <summary>A temporary directory (the file store's root).</summary>
    public string Directory { get; }

    /// <summary>The targets, as URIs.</summary>
    public IReadOnlyList<string> Targets { get; }

    /// <summary>The lock-actors HOCON every system here uses (plus <paramref name="extra"/>).</summary>
    public Config Config(string extra = "") => ConfigurationFactory.ParseString($$"""
        lock-actors {
          default-ttl = 30s
          acquire-timeout = 1s
          stores.file.root = "{{Directory.Replace("\\", "\\\\", StringComparison.Ordinal)}}"
        }
        {{extra}}
        """).WithFallback(LockActorsSettings.ReferenceConfig);

    /// <summary>A new actor system (one "process"), disposed with the scenario.</summary>
    public ActorSystem NewSystem(string name, string extra = "", Action<LockStoreRegistry>? stores = null)
    {
        var system = ActorSystem.Create(name, ActorSystemSetup.Create(BootstrapSetup.Create().WithConfig(Config(extra)), new LockActorsSetup(stores)));
        _systems.Add(system);
        return system;
    }

    /// <summary>Sidecar files of the file:// targets that still exist.</summary>
    public string[] RemainingSidecarFiles() =>
        Targets.Where(t => t.StartsWith("file:", StringComparison.Ordinal))
            .Select(t => new Uri(t).LocalPath + ".lock")
            .Where(File.Exists)
            .ToArray();

    /// <summary>Waits (polling) until no file sidecar is left, or <paramref name="limit"/>; returns how long it took.</summary>
    public async Task<TimeSpan> SidecarFilesGoneAsync(Stopwatch since, TimeSpan limit)
    {
        while (RemainingSidecarFiles().Length > 0 && since.Elapsed < limit)
        {
            await Task.Delay(1);
        }

        return since.Elapsed;
    }

    /// <summary>
    /// A fresh system (the next process) acquires every target with a 1 s wait: it succeeds only if nothing was left
    /// behind. Returns the slowest acquire.
    /// </summary>
    public async Task<TimeSpan> NextProcessAcquiresEveryTargetAsync(string name)
    {
        var next = LockActorsExtension.Get(NewSystem(name));
        var slowest = TimeSpan.Zero;
        foreach (var target in Targets)
        {
            var watch = Stopwatch.StartNew();
            await using var handle = await next.Client.AcquireAsync(target, new LockOptions { AcquireTimeout = NextAcquireTimeout });
            slowest = watch.Elapsed > slowest ? watch.Elapsed : slowest;
            Assert.True(handle.CheckLease());
        }

        return slowest;
    }

    /// <summary>Prints a measured timing to the test output (and to the console, for the run's log).</summary>
    public void Report(string what, TimeSpan elapsed)
    {
        var line = $"TIMING {what}: {elapsed.TotalMilliseconds:F1} ms";
        _output.WriteLine(line);
        Console.WriteLine(line);
    }

    public void Dispose()
    {
        foreach (var system in _systems)
        {
            system.Terminate().Wait(TimeSpan.FromSeconds(10));
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
