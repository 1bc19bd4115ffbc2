using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Configuration;
using LockActors;
using LockActors.Client;

// Usage:
//   contend --config <hocon file> --targets <uri,uri,...> --callers N --grants M --ttl-ms T --hold-ms H --out <file>
//       N callers each take M grants spread over the targets; every hold is appended to <file> as
//       "target,fencingToken,startTimestamp,endTimestamp,pid,lockId" (Stopwatch timestamps: CLOCK_MONOTONIC, shared by
//       every process on the host).
//   hold --config <hocon file> --targets <uri> --ttl-ms T
//       acquires one lock, prints "HOLDING <fencingToken> <lockId>" and keeps renewing until killed.
var mode = args.Length > 0 ? args[0] : throw new ArgumentException("mode: contend | hold");
var options = ParseOptions(args.Skip(1).ToArray());
var config = ConfigurationFactory.ParseString(File.ReadAllText(options["config"]));
using var system = ActorSystem.Create("worker-" + Environment.ProcessId, config);
var client = LockActorsExtension.Get(system).Client;
var targets = options["targets"].Split(',', StringSplitOptions.RemoveEmptyEntries);
var ttl = TimeSpan.FromMilliseconds(int.Parse(options["ttl-ms"], CultureInfo.InvariantCulture));

if (mode == "hold")
{
    var handle = await client.AcquireAsync(targets[0], new LockOptions { Ttl = ttl, AcquireTimeout = TimeSpan.FromMinutes(1) });
    Console.WriteLine($"HOLDING {handle.FencingToken} {handle.LockId}");
    await Task.Delay(Timeout.Infinite, handle.HandleLost).ContinueWith(_ => { });
    Console.WriteLine("LOST " + handle.LostReason);
    return 3;
}

var callers = int.Parse(options["callers"], CultureInfo.InvariantCulture);
var grants = int.Parse(options["grants"], CultureInfo.InvariantCulture);
var hold = TimeSpan.FromMilliseconds(int.Parse(options["hold-ms"], CultureInfo.InvariantCulture));
var records = new List<string>();
var failures = 0;
var work = Enumerable.Range(0, callers).Select(async caller =>
{
    var random = new Random(Environment.ProcessId * 1000 + caller);
    for (var i = 0; i < grants; i++)
    {
        var target = targets[random.Next(targets.Length)];
        try
        {
            await using var handle = await client.AcquireAsync(target, new LockOptions { Ttl = ttl, AcquireTimeout = TimeSpan.FromMinutes(2) });
            var start = Stopwatch.GetTimestamp();
            await Task.Delay(hold);
            var end = Stopwatch.GetTimestamp();
            var lost = handle.HandleLost.IsCancellationRequested ? ",lost" : string.Empty;
            lock (records)
            {
                records.Add(FormattableString.Invariant($"{handle.Target},{handle.FencingToken},{start},{end},{Environment.ProcessId},{handle.LockId}{lost}"));
            }
        }
        catch (Exception e)
        {
            Interlocked.Increment(ref failures);
            Console.Error.WriteLine($"caller {caller}: {e.GetType().Name}: {e.Message}");
        }
    }
}).ToArray();
await Task.WhenAll(work);
await File.WriteAllLinesAsync(options["out"], records);
Console.WriteLine($"DONE grants={records.Count} failures={failures}");
await system.Terminate();
return failures == 0 ? 0 : 2;

static Dictionary<string, string> ParseOptions(string[] args)
{
    var options = new Dictionary<string, string>(StringComparer.Ordinal);
    for (var i = 0; i + 1 < args.Length; i += 2)
    {
        options[args[i].TrimStart('-')] = args[i + 1];
    }

    return options;
}
