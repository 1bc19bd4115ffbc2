using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using BenchmarkDotNet.Attributes;
using LockActors.Actors;
using LockActors.Benchmarks.Infrastructure;
using LockActors.Configuration;
using LockActors.Messages;
using LockActors.Storage;
using LockActors.Storage.Stores.Memory;

namespace LockActors.Benchmarks.Micro;

/// <summary>
/// One hand-off of a held mem:// lock to a waiter, as P4 makes 20,000 of them, measured inside the target actor: a
/// waiter queues (with its wait timeout), the holder releases, the actor hands the lock over by one compare-and-swap
/// and answers both. The actor and both callers run on the calling thread, so time and allocations are the actor's
/// work per waiter and grant, without the manager, the Ask temporary actors or any thread hop.
/// </summary>
/// <remarks>The two callers are long-lived actors: watching them again is free, where P4's Ask temporaries are watched anew per waiter.</remarks>
[MemoryDiagnoser]
public class HandOffBenchmarks
{
    private const string Uri = "mem://bench/micro/handoff.csv";
    private const string CallingThread = "akka.test.calling-thread-dispatcher";
    private ActorSystem _system = null!;
    private IActorRef _lock = null!;
    private IActorRef _holder = null!;
    private IActorRef _waiter = null!;
    private Caller _holderState = null!;
    private Caller _waiterState = null!;

    [GlobalSetup]
    public void Setup()
    {
        var config = ConfigurationFactory.ParseString($$"""
            {{CallingThread}} { type = "Akka.TestKit.CallingThreadDispatcherConfigurator, Akka.TestKit", throughput = 2147483647 }
            """).WithFallback(ConfigurationFactory.ParseString(Hocon.Quiet));
        _system = ActorSystem.Create("micro-handoff", config);
        var settings = LockActorsSettings.Create(ConfigurationFactory.Empty);
        var target = LockTarget.Parse(Uri);
        _lock = _system.ActorOf(TargetLockActor.Props(target, new MemoryLockStore(), settings, "0123abcd").WithDispatcher(CallingThread), "lock");
        _holderState = new Caller();
        _waiterState = new Caller();
        _holder = _system.ActorOf(Props.Create(() => new CallerActor(_holderState)).WithDispatcher(CallingThread), "a");
        _waiter = _system.ActorOf(Props.Create(() => new CallerActor(_waiterState)).WithDispatcher(CallingThread), "b");
        _lock.Tell(Acquire(), _holder);
        // The actor's start may run on another thread: wait for the first grant, then check that a hand-off runs inline.
        var started = Stopwatch.StartNew();
        while (_holderState.LockId is null && started.Elapsed < TimeSpan.FromSeconds(30))
        {
            Thread.Sleep(10);
        }

        _ = HandOff(); // throws unless the hand-off completed on this thread
    }

    [GlobalCleanup]
    public void Cleanup() => _system.Terminate().Wait();

    /// <summary>A waiter queues behind the holder; the holder releases; the lock is handed to the waiter. Then the roles swap.</summary>
    [Benchmark]
    public string HandOff()
    {
        _lock.Tell(Acquire(), _waiter);
        _lock.Tell(new Release(Uri, _holderState.LockId!), _holder);
        var granted = _waiterState.LockId ?? throw new InvalidOperationException("The hand-off did not complete on the calling thread.");
        _holderState.LockId = null;
        (_holder, _waiter, _holderState, _waiterState) = (_waiter, _holder, _waiterState, _holderState);
        return granted;
    }

    private static Acquire Acquire() => new(Uri) { WaitTimeout = TimeSpan.FromMinutes(5), NotifyLost = ActorRefs.Nobody };

    private sealed class Caller
    {
        public string? LockId { get; set; }

    }

    private sealed class CallerActor(Caller state) : UntypedActor
    {
        protected override void OnReceive(object message)
        {
            switch (message)
            {
                case LockGranted granted: state.LockId = granted.LockId; break;
                case LockReleased: break;
                case Status.Failure failure: throw new InvalidOperationException("The lock actor failed a request.", failure.Cause);
            }
        }
    }
}
