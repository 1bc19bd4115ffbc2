using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using LockActors.Configuration;
using LockActors.Storage;
using LockActors.Storage.Stores.File;
using LockActors.Storage.Stores.Memory;
using LockActors.TestServers.Faults;
using LockActors.TestServers.Actors;

namespace LockActors.Reliability.Faults;

/// <summary>One actor system of a <see cref="SharedStoreSystems"/>: its own fault-injecting view of the shared store.</summary>
/// <param name="Name">Names the system and its decorator on the timeline.</param>
/// <param name="System">The actor system.</param>
/// <param name="Store">The decorator this system's lock actors use.</param>
/// <param name="Locks">The system's lock extension (manager, client, settings).</param>
public sealed record LockSystem(string Name, ActorSystem System, FaultInjectingStore Store, LockActorsExtension Locks);

/// <summary>
/// Several actor systems in this test process that share ONE underlying store instance (a <c>mem://</c>
/// <see cref="MemoryLockStore"/> or a <c>file://</c> <see cref="FileLockStore"/> in a temp directory), each through its
/// own <see cref="FaultInjectingStore"/>, so that each system plays "another process" for the others. All decorators
/// record on one <see cref="StoreTimeline"/>.
/// </summary>
public sealed class SharedStoreSystems : IAsyncDisposable
{
    private readonly List<LockSystem> _systems = [];
    private readonly OtherSystems _actorSystems = new();
    private readonly string? _directory;
    private readonly string _hocon;

    /// <summary>Creates the shared store (<paramref name="scheme"/> = <c>mem</c> or <c>file</c>) with the given lock-actors settings.</summary>
    public SharedStoreSystems(string scheme, TimeSpan storeOperationTimeout, TimeSpan? staleGrace = null, string extraHocon = "")
    {
        Scheme = scheme;
        if (scheme == "file")
        {
            _directory = Path.Combine(Path.GetTempPath(), "lockactors-faults-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(_directory);
            Inner = new FileLockStore();
        }
        else
        {
            Inner = new MemoryLockStore();
        }

        _hocon = string.Create(CultureInfo.InvariantCulture, $$"""
            akka.loglevel = WARNING
            akka.stdout-loglevel = WARNING
            lock-actors {
              store-operation-timeout = {{(long)storeOperationTimeout.TotalMilliseconds}}ms
              stale-grace = {{(long)(staleGrace ?? TimeSpan.FromMilliseconds(100)).TotalMilliseconds}}ms
              poll-interval = 50ms
              max-poll-interval = 200ms
            }
            {{extraHocon}}
            """);
    }

    /// <summary><c>mem</c> or <c>file</c>.</summary>
    public string Scheme { get; }

    /// <summary>The one store every system writes through.</summary>
    public ILockStore Inner { get; }

    /// <summary>Every decorator's calls, interleaved.</summary>
    public StoreTimeline Timeline { get; } = new();

    /// <summary>The systems created so far.</summary>
    public IReadOnlyList<LockSystem> Systems => _systems;

    /// <summary>Starts another actor system whose lock actors use their own decorator over <see cref="Inner"/>.</summary>
    public LockSystem AddSystem(string name)
    {
        var store = new FaultInjectingStore(Inner, Timeline, name);
        var setup = ActorSystemSetup.Create(
            BootstrapSetup.Create().WithConfig(ConfigurationFactory.ParseString(_hocon).WithFallback(LockActorsSettings.ReferenceConfig)),
            new LockActorsSetup(registry => registry.Register(Scheme, store)));
        var system = _actorSystems.Start(name + "-" + Guid.NewGuid().ToString("N")[..6], setup);
        var entry = new LockSystem(name, system, store, LockActorsExtension.Get(system));
        _systems.Add(entry);
        return entry;
    }

    /// <summary>
    /// The opening most fault tests share: starts system <paramref name="name"/> (see <see cref="AddSystem"/>) and draws a
    /// fresh target (see <see cref="NewTarget"/>), with its sidecar as the timeline names it.
    /// </summary>
    public (LockSystem System, string Target, string Sidecar) AddSystemAndTarget(string name)
    {
        var system = AddSystem(name);
        var target = NewTarget();
        return (system, target, SidecarName(target));
    }

    /// <summary>A fresh target URI in the shared store.</summary>
    public string NewTarget() => Scheme == "file"
        ? new Uri(Path.Combine(_directory!, "t-" + Guid.NewGuid().ToString("N") + ".csv")).AbsoluteUri
        : $"mem://faults/{Guid.NewGuid():N}/t.csv";

    /// <summary>The sidecar as the timeline names it.</summary>
    public static string SidecarName(string target) => LockTarget.Parse(target).Sidecar.ToString();

    /// <summary>True when the target's sidecar exists in the shared store (a strict-fencing "released" tombstone does not count: it holds no lock).</summary>
    public async Task<bool> SidecarExistsAsync(string target)
    {
        var key = LockTarget.Parse(target).Sidecar;
        var snapshot = await Inner.ReadAsync(key);
        if (snapshot is null)
        {
            return false;
        }

        try
        {
            return LockMetadataCodec.Decode(key, snapshot.Content.Span).LockId != Actors.ReleasedTombstone.LockId;
        }
        catch (CorruptSidecarException)
        {
            return true;
        }
    }

    /// <summary>Waits (polling the shared store) until the sidecar is gone; the time it went, or null if it is still there at the deadline.</summary>
    public async Task<long?> WaitUntilSidecarGoneAsync(string target, TimeSpan within)
    {
        var until = Stopwatch.GetTimestamp() + (long)(within.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            if (!await SidecarExistsAsync(target))
            {
                return Stopwatch.GetTimestamp();
            }

            if (Stopwatch.GetTimestamp() > until)
            {
                return null;
            }

            await Task.Delay(10);
        }
    }

    /// <summary>Ends every hung call, then stops every system and removes the temp directory.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var s in _systems)
        {
            s.Store.ClearFaults();
        }

        await _actorSystems.DisposeAsync();
        await Inner.DisposeAsync();
        if (_directory is not null)
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // a late write from a stopping system; the temp directory is harmless
            }
        }
    }
}

/// <summary>Small timing helpers on the monotonic clock.</summary>
public static class Mono
{
    /// <summary>Now, as a <see cref="Stopwatch"/> timestamp.</summary>
    public static long Now => Stopwatch.GetTimestamp();

    /// <summary>Milliseconds from <paramref name="from"/> to <paramref name="to"/> (negative when <paramref name="to"/> is earlier).</summary>
    public static double Ms(long from, long to) => (to - from) * 1000.0 / Stopwatch.Frequency;

    /// <summary><paramref name="timestamp"/> plus <paramref name="span"/>.</summary>
    public static long Add(long timestamp, TimeSpan span) => timestamp + (long)(span.TotalSeconds * Stopwatch.Frequency);
}
