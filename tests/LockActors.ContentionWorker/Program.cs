using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using LockActors;
using LockActors.Client;
using LockActors.Configuration.Stores;
using LockActors.ContentionWorker;
using LockActors.Storage;
using LockActors.S3;
using LockActors.TestServers.Backends;
using LockActors.TestServers.Faults;

// A separate OS process for the multi-process reliability tests. Every hold is recorded in a JSONL history
// (see HoldRecorder) and writes BEGIN/WRITE/END lines to a per-target protected file, checking its lease first.
//
//   contend --config F --targets u1,u2 --callers N --grants M --ttl-ms T --hold-ms H --history F --protected-dir D
//           [--fault-rate R --fault-seed S]  (FaultInjectingStore of LockActors.TestServers around every store) [--tolerate-failures 1] [--drain-ms D]
//       N callers each take M grants spread over the targets, holding each for H ms.
//       [--control-dir D]: until the file D/stop appears instead of M grants (a waiting acquire is cancelled then), and
//       every grant is printed at once ("GRANT <target> <token> <lockId> <monotonic>"); [--check-ms C] writes every C ms.
//       In cluster mode (the config sets akka.actor.provider = cluster and its seed node; see ClusterNode) with
//       [--system-name S --cluster-size K]: waits for K Up members first, prints "MEMBERS"/"ENTITIES" lines, leaves
//       the cluster when D/leave appears, and exits with code 4 when its actor system terminates (downed or left).
//   hold --config F --targets u --ttl-ms T --history F --protected-dir D [--hold-ms H] [--check-ms C]
//       acquires one lock, prints "HOLDING <token> <lockId> <monotonic>", then every C ms prints
//       "CHECK <monotonic> <True|False>" and writes under the lock while CheckLease() is true; holds H ms (default:
//       until killed or lost), releases and prints "RELEASE <outcome>" and "DONE".
//   store --config F --targets u
//       store level, no actor system: the store that --config configures for u's scheme runs create / read /
//       replace / delete once (StoreRoundTrip), printing "STORE <step>" lines, "REQUESTS <n>" (S3 only) and "DONE",
//       or "FAILED <exception>" and exit code 3.
// Every process first prints "CLOCK pid=<pid> utc=<DateTime.UtcNow> monotonic=<Stopwatch timestamp>" so a test can
// see whether its wall clock is shifted (libfaketime) while the monotonic clock is shared.
var mode = args.Length > 0 ? args[0] : throw new ArgumentException("mode: contend | hold | store");
var options = WorkerOptions.Parse(args.Skip(1));
Console.WriteLine(FormattableString.Invariant($"CLOCK pid={Environment.ProcessId} utc={DateTime.UtcNow:O} monotonic={Stopwatch.GetTimestamp()}"));

var config = ConfigurationFactory.ParseString(File.ReadAllText(options.Required("config")));
if (mode == "store")
{
    await using var registry = LockStoreRegistryFactory.Create(config);
    var target = LockTarget.Parse(options.Required("targets"));
    var store = registry.Resolve(target);
    try
    {
        await StoreRoundTrip.RunAsync(store, target, step => Console.WriteLine("STORE " + step));
    }
    catch (Exception e)
    {
        Console.WriteLine($"FAILED {e}");
        return 3;
    }

    if (store is S3LockStore s3)
    {
        Console.WriteLine(FormattableString.Invariant($"REQUESTS {s3.Requests.Total}"));
    }

    Console.WriteLine("DONE");
    return 0;
}

var faultRate = options.Double("fault-rate", 0);
var faults = new List<FaultInjectingStore>();
var setup = ActorSystemSetup.Create(
    BootstrapSetup.Create().WithConfig(config),
    new LockActorsSetup(registry =>
    {
        if (faultRate <= 0)
        {
            return;
        }

        foreach (var scheme in registry.Schemes.ToArray())
        {
            var inner = registry.Resolve(scheme);
            // The rate splits evenly into delays (up to 300 ms, before or after applying), errors before applying and
            // lost replies after applying (half fail like a connection reset, half hang until the actor's timeout).
            var faulty = new FaultInjectingStore(inner, name: scheme)
            {
                RandomFaults = new RandomStoreFaults(options.Int("fault-seed", Environment.ProcessId) + faults.Count)
                {
                    DelayRate = faultRate / 3, MaxDelay = TimeSpan.FromMilliseconds(300), FailRate = faultRate / 3, DropReplyRate = faultRate / 3,
                },
            };
            faults.Add(faulty);
            registry.Register(scheme, faulty);
        }
    }));
using var system = ActorSystem.Create(options.Text("system-name", "worker-" + Environment.ProcessId), setup);
var client = LockActorsExtension.Get(system).Client;
var inCluster = ClusterNode.IsCluster(config);
if (inCluster)
{
    await ClusterNode.WaitForUpMembersAsync(system, options.Int("cluster-size", 1), TimeSpan.FromSeconds(90));
    _ = ClusterNode.MonitorAsync(system, options.Text("control-dir", null));
}

var targets = options.Required("targets").Split(',', StringSplitOptions.RemoveEmptyEntries);
var ttl = TimeSpan.FromMilliseconds(options.Int("ttl-ms", 3000));
using var recorder = new HoldRecorder(options.Required("history"), options.Required("protected-dir"));

if (mode == "hold")
{
    var holdFor = options.Int("hold-ms", -1);
    var outcome = await recorder.HoldAsync(
        client,
        targets[0],
        new LockOptions { Ttl = ttl, AcquireTimeout = TimeSpan.FromMinutes(2) },
        holdFor < 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(holdFor),
        TimeSpan.FromMilliseconds(options.Int("check-ms", 50)),
        verbose: true);
    Console.WriteLine("DONE " + outcome);
    await system.Terminate();
    return 0;
}

var callers = options.Int("callers", 1);
var controlDirectory = options.Text("control-dir", null);
var grants = options.Int("grants", controlDirectory is null ? 1 : int.MaxValue);
var hold = TimeSpan.FromMilliseconds(options.Int("hold-ms", 3));
var writeEvery = TimeSpan.FromMilliseconds(options.Int("check-ms", (int)hold.TotalMilliseconds));
using var stop = new CancellationTokenSource();
if (controlDirectory is not null)
{
    _ = Task.Run(async () =>
    {
        while (!File.Exists(Path.Combine(controlDirectory, "stop")))
        {
            await Task.Delay(100);
        }

        await stop.CancelAsync();
    });
}

var failures = 0;
var completed = 0;
var work = Enumerable.Range(0, callers).Select(async caller =>
{
    var random = new Random(Environment.ProcessId * 1000 + caller);
    for (var i = 0; i < grants && !stop.IsCancellationRequested && !system.WhenTerminated.IsCompleted; i++)
    {
        var target = targets[random.Next(targets.Length)];
        try
        {
            await recorder.HoldAsync(client, target, new LockOptions { Ttl = ttl, AcquireTimeout = TimeSpan.FromMinutes(5) }, hold, writeEvery, verbose: false,
                announceGrant: controlDirectory is not null, stop.Token);
            Interlocked.Increment(ref completed);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (LockSystemShuttingDownException)
        {
            break; // downed or left: this node takes no more locks
        }
        catch (Exception e)
        {
            Interlocked.Increment(ref failures);
            Console.Error.WriteLine($"caller {caller}: {e.GetType().Name}: {e.Message}");
        }
    }
}).ToArray();
var callersDone = Task.WhenAll(work);
if (await Task.WhenAny(callersDone, system.WhenTerminated) != callersDone || CoordinatedShutdown.Get(system).ShutdownReason is not null)
{
    // Downed (or left): the cluster ran coordinated shutdown (the callers may have stopped first, refused new locks).
    // The callers record what they held, then the process goes.
    await system.WhenTerminated.WaitAsync(TimeSpan.FromSeconds(30));
    Console.WriteLine(FormattableString.Invariant($"TERMINATED {Stopwatch.GetTimestamp()} {CoordinatedShutdown.Get(system).ShutdownReason}"));
    await Task.WhenAny(callersDone, Task.Delay(TimeSpan.FromSeconds(10)));
    recorder.RecordUnfinished();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"DONE grants={completed} failures={failures} terminated"));
    return 4;
}

// Give the actors a chance to finish releases they retry (the test then checks that no sidecar was left behind).
await Task.Delay(TimeSpan.FromMilliseconds(options.Int("drain-ms", 0)));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"DONE grants={completed} failures={failures} store-calls={faults.Sum(f => Enum.GetValues<StorePrimitive>().Sum(f.Calls))} failed-or-hung-calls={faults.Sum(f => f.Timeline.Where(e => e.Kind is StoreEventKind.Failed or StoreEventKind.Hung).Count)}"));
await system.Terminate();
return failures == 0 || options.Int("tolerate-failures", 0) == 1 ? 0 : 2;
