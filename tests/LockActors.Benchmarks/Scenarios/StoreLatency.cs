using Akka.Actor;
using System.Diagnostics;
using LockActors.Benchmarks.Infrastructure;
using LockActors.Messages;
using LockActors.Storage;

namespace LockActors.Benchmarks.Scenarios;

/// <summary>Acquire latency p50/p99 per store on loopback, beside the store's raw TryCreate (+ TryDelete).</summary>
internal static class StoreLatency
{
    public const string Name = "latency";

    public static async Task RunAsync(Options o, Results r)
    {
        r.Describe(Name, "Acquire latency per store (loopback, one caller, sequential)",
            "the same store's raw primitives called directly in the same run: TryCreate for acquire, TryCreate + TryDelete for acquire + release. " +
            "Library = Ask(Acquire) → LockGranted (then Ask(Release) → LockReleased) through the manager on a fresh target each time. Ratio = raw p50 ÷ library p50.");
        string[] stores = o.Smoke ? ["mem", "file", "gcs-emulator"] : BenchmarkStore.All;
        foreach (var name in stores)
        {
            var ops = name switch
            {
                "mem" => o.Size(200, 5_000),
                "file" => o.Size(100, 3_000),
                "gcs-emulator" => o.Size(50, 1_000),
                _ => o.Size(20, 300),
            };
            for (var run = 0; run < o.Runs; run++)
            {
                try
                {
                    var (sut, unavailable) = await BenchmarkStore.CreateAsync(name, $"lat-{Guid.NewGuid():N}"[..16]).ConfigureAwait(false);
                    if (sut is null)
                    {
                        r.Note(Name, $"{name}: {unavailable}");
                        break;
                    }

                    await using (sut.ConfigureAwait(false))
                    {
                        await sut.WarmUpAsync().ConfigureAwait(false);
                        var ((libAcq, libPair), (rawCreate, rawPair)) = await Common.AlternateAsync(run, () => LibraryAsync(sut, ops), () => RawAsync(sut, ops)).ConfigureAwait(false);
                        r.Add(Name, $"{name} ({ops:N0} ops)", "acquire vs raw TryCreate", "µs p50", Better.Lower, libAcq.P50Us, rawCreate.P50Us, libAcq, rawCreate);
                        r.Add(Name, $"{name} ({ops:N0} ops)", "acquire+release vs raw TryCreate+TryDelete", "µs p50", Better.Lower, libPair.P50Us, rawPair.P50Us, libPair, rawPair);
                    }
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    r.Note(Name, $"{name}: not measured (the store failed: {e.GetType().Name}: {e.Message.Split('\n')[0]})");
                    break;
                }
            }
        }

        if (o.Smoke)
        {
            r.Note(Name, "smoke mode: mem, file and the in-process GCS emulator only.");
        }
    }

    private static async Task<(Latency Acquire, Latency Pair)> LibraryAsync(BenchmarkStore sut, int ops)
    {
        await using var system = LockSystem.Start(sut.Scheme, sut.Counting); // the wrapper never disposes the store when the system stops
        for (var i = 0; i < Math.Min(20, ops); i++)
        {
            await Common.AcquireReleaseAsync(system.Manager, sut.Uri(3_000_000 + i)).ConfigureAwait(false);
        }

        var acquire = new LatencyRecorder(ops);
        var pair = new LatencyRecorder(ops);
        for (var i = 0; i < ops; i++)
        {
            var uri = sut.Uri(i);
            var t0 = Stopwatch.GetTimestamp();
            var granted = await system.Manager.Ask<LockGranted>(new Acquire(uri), Common.AskTimeout).ConfigureAwait(false);
            var t1 = Stopwatch.GetTimestamp();
            await system.Manager.Ask<LockReleased>(new Release(uri, granted.LockId), Common.AskTimeout).ConfigureAwait(false);
            var t2 = Stopwatch.GetTimestamp();
            acquire.Record(t1 - t0);
            pair.Record(t2 - t0);
        }

        return (acquire.Result(), pair.Result());
    }

    private static async Task<(Latency Create, Latency Pair)> RawAsync(BenchmarkStore sut, int ops)
    {
        var content = LockMetadataCodec.Encode(new LockMetadata("0123abcd-" + Guid.NewGuid().ToString("N"), $"{Environment.MachineName}/{Environment.ProcessId}",
            Environment.MachineName, Environment.ProcessId, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, TimeSpan.FromSeconds(30), 1));
        for (var i = 0; i < Math.Min(20, ops); i++)
        {
            var warm = LockTarget.Parse(sut.Uri(5_000_000 + i)).Sidecar; // as many warm-up operations as the library side gets
            await sut.Store.TryDeleteAsync(warm, await sut.Store.TryCreateAsync(warm, content).ConfigureAwait(false) ?? default).ConfigureAwait(false);
        }

        var create = new LatencyRecorder(ops);
        var pair = new LatencyRecorder(ops);
        for (var i = 0; i < ops; i++)
        {
            var key = LockTarget.Parse(sut.Uri(4_000_000 + i)).Sidecar;
            var t0 = Stopwatch.GetTimestamp();
            var version = await sut.Store.TryCreateAsync(key, content).ConfigureAwait(false) ?? throw new InvalidOperationException("raw create lost");
            var t1 = Stopwatch.GetTimestamp();
            if (!await sut.Store.TryDeleteAsync(key, version).ConfigureAwait(false))
            {
                throw new InvalidOperationException("raw delete lost");
            }

            var t2 = Stopwatch.GetTimestamp();
            create.Record(t1 - t0);
            pair.Record(t2 - t0);
        }

        return (create.Result(), pair.Result());
    }
}
