using System.Diagnostics;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using LockActors.Actors;
using LockActors.Storage;

namespace LockActors.Benchmarks.Infrastructure;

/// <summary>An actor system with the lock-actors extension, one store registered for its scheme.</summary>
public sealed class LockSystem : IAsyncDisposable
{
    private static int s_seq;

    private LockSystem(ActorSystem system)
    {
        System = system;
        Manager = LockActorsExtension.Get(system).Manager;
    }

    public ActorSystem System { get; }

    public IActorRef Manager { get; }

    public static LockSystem Start(string scheme, ILockStore store, string hocon = "")
    {
        // LOCKACTORS_BENCH_HOCON: extra settings for an experiment (e.g. "lock-actors.manager-shards = 1"), winning over the scenario's.
        var extra = Environment.GetEnvironmentVariable("LOCKACTORS_BENCH_HOCON") ?? string.Empty;
        var config = ConfigurationFactory.ParseString(hocon + "\n" + extra + "\n" + Hocon.Quiet);
        var setup = ActorSystemSetup.Create(BootstrapSetup.Create().WithConfig(config), new LockActorsSetup(reg => reg.Register(scheme, store)));
        return new LockSystem(ActorSystem.Create($"bench-lock-{Interlocked.Increment(ref s_seq)}", setup));
    }

    public Task<int> ChildCountAsync() => Manager.Ask<int>(LockManager.GetChildCount.Instance, TimeSpan.FromSeconds(30));

    public async ValueTask DisposeAsync() => await System.Terminate().ConfigureAwait(false);
}

public static class Hocon
{
    public const string Quiet = "akka.loglevel = WARNING\nakka.stdout-loglevel = WARNING\nakka.log-dead-letters = off\nakka.log-dead-letters-during-shutdown = off";
}

// ───────────── raw Akka baselines: the same message shapes with no lock logic and no store ─────────────

public sealed record RawAcquire(string Target);

public sealed record RawGranted(string Target, long LockId);

public sealed record RawRelease(string Target, long LockId);

public sealed record RawReleased(string Target, long LockId);

/// <summary>Routes by target string to one child per target, created on demand (optionally stopping after idling).</summary>
public sealed class RawManager : ReceiveActor
{
    private readonly Dictionary<string, IActorRef> _children = new(StringComparer.Ordinal);
    private readonly Dictionary<IActorRef, string> _byChild = [];

    public RawManager(TimeSpan? passivateAfter)
    {
        var childProps = Props.Create(() => new RawTarget(passivateAfter));
        Receive<RawAcquire>(m => ChildFor(m.Target, childProps).Forward(m));
        Receive<RawRelease>(m => ChildFor(m.Target, childProps).Forward(m));
        Receive<Terminated>(t =>
        {
            if (_byChild.Remove(t.ActorRef, out var target))
            {
                _children.Remove(target);
            }
        });
        Receive<string>(s => s == "count", _ => Sender.Tell(_children.Count));
    }

    private IActorRef ChildFor(string target, Props props)
    {
        if (!_children.TryGetValue(target, out var child))
        {
            child = Context.ActorOf(props);
            _children[target] = child;
            _byChild[child] = target;
            Context.Watch(child); // the library's manager watches its children too
        }

        return child;
    }
}

public sealed class RawTarget : ReceiveActor
{
    private long _holder;
    private long _next;

    public RawTarget(TimeSpan? passivateAfter)
    {
        if (passivateAfter is { } idle)
        {
            Context.SetReceiveTimeout(idle);
        }

        Receive<RawAcquire>(m =>
        {
            _holder = ++_next;
            Sender.Tell(new RawGranted(m.Target, _holder));
        });
        Receive<RawRelease>(m =>
        {
            _holder = 0;
            Sender.Tell(new RawReleased(m.Target, m.LockId));
        });
        Receive<ReceiveTimeout>(_ => Context.Stop(Self));
    }
}

/// <summary>An in-memory FIFO mutex actor: the raw Akka shape of 64 callers handing one lock around.</summary>
public sealed class RawMutex : ReceiveActor
{
    private readonly Queue<(IActorRef Caller, string Target)> _queue = new();
    private bool _held;
    private long _next;

    public RawMutex()
    {
        Receive<RawAcquire>(m =>
        {
            if (_held)
            {
                _queue.Enqueue((Sender, m.Target));
                return;
            }

            _held = true;
            Sender.Tell(new RawGranted(m.Target, ++_next));
        });
        Receive<RawRelease>(m =>
        {
            if (_queue.TryDequeue(out var next))
            {
                next.Caller.Tell(new RawGranted(next.Target, ++_next));
            }
            else
            {
                _held = false;
            }

            Sender.Tell(new RawReleased(m.Target, m.LockId));
        });
    }
}

public static class RawSystem
{
    public static ActorSystem Start() => ActorSystem.Create($"bench-raw-{Guid.NewGuid():N}"[..20], ConfigurationFactory.ParseString(Hocon.Quiet));
}

/// <summary>Runs <c>callers</c> concurrent loops over <c>total</c> operations; returns the elapsed seconds.</summary>
public static class Load
{
    public static async Task<double> RunAsync(int callers, int total, Func<int, Task> operation, LatencyRecorder? recorder)
    {
        var next = -1;
        var start = Stopwatch.GetTimestamp();
        var tasks = Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < total)
            {
                var t0 = Stopwatch.GetTimestamp();
                await operation(i).ConfigureAwait(false);
                recorder?.Record(Stopwatch.GetTimestamp() - t0);
            }
        })).ToArray();
        await Task.WhenAll(tasks).ConfigureAwait(false);
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    public static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}
