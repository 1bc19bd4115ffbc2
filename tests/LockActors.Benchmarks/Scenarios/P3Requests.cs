using Akka.Actor;
using LockActors.Benchmarks.Infrastructure;
using LockActors.Messages;
using LockActors.Storage;

namespace LockActors.Benchmarks.Scenarios;

/// <summary>P3: store calls (and wire requests) per uncontended acquire, heartbeat and release, for every store.</summary>
internal static class P3Requests
{
    public const string Name = "P3";

    public static async Task RunAsync(Options o, Results r)
    {
        r.Describe(Name, "P3 · requests per operation (uncontended), every store",
            "store calls: one primitive per operation (acquire = TryCreate, heartbeat = TryReplace, release = TryDelete), so the baseline is 1; " +
            "wire requests: the same raw primitive called directly on the same store in the same run (HTTP requests for s3 / gcs-emulator, SFTP requests for sftp). " +
            "Ratio = baseline ÷ library (1.00 = no extra requests).");
        var locks = o.Size(3, 10);
        var interval = o.Smoke ? TimeSpan.FromMilliseconds(250) : TimeSpan.FromSeconds(1);
        var window = o.Smoke ? TimeSpan.FromMilliseconds(700) : TimeSpan.FromSeconds(2.6);
        string[] stores = o.Smoke ? ["mem", "file"] : BenchmarkStore.All;
        if (o.Smoke)
        {
            r.Note(Name, "smoke mode: mem and file only (no external servers).");
        }

        foreach (var name in stores)
        {
            for (var run = 0; run < o.Runs; run++)
            {
                try
                {
                    var (sut, unavailable) = await BenchmarkStore.CreateAsync(name, $"p3-{Guid.NewGuid():N}"[..15]).ConfigureAwait(false);
                    if (sut is null)
                    {
                        r.Note(Name, $"{name}: {unavailable}");
                        break;
                    }

                    await using (sut.ConfigureAwait(false))
                    {
                        await MeasureAsync(sut, locks, interval, window, r, run == 0).ConfigureAwait(false);
                    }
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    r.Note(Name, $"{name}: not measured (the store failed: {e.GetType().Name}: {e.Message.Split('\n')[0]})");
                    break;
                }
            }

            foreach (var op in new[] { "acquire", "heartbeat", "release" })
            {
                r.Goal(Name, name, $"store calls per {op}", "1", s => s.LibMax <= 1.0001);
                r.Goal(Name, name, $"wire requests per {op}", "= raw primitive", s => s.RatioMin >= 0.999);
            }
        }
    }

    private static async Task MeasureAsync(BenchmarkStore sut, int locks, TimeSpan interval, TimeSpan window, Results r, bool describe)
    {
        await sut.WarmUpAsync().ConfigureAwait(false);
        long Wire() => sut.Wire?.Invoke() ?? 0;

        // Raw primitives, same store, same run.
        double rawCreate = 0, rawReplace = 0, rawDelete = 0;
        var content = LockMetadataCodec.Encode(new LockMetadata("raw", "bench", "host", 1, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, TimeSpan.FromSeconds(30), 1));
        for (var i = 0; i < locks; i++)
        {
            var key = LockTarget.Parse(sut.Uri(1_000_000 + i)).Sidecar;
            var w0 = Wire();
            var v1 = await sut.Store.TryCreateAsync(key, content).ConfigureAwait(false) ?? throw new InvalidOperationException("raw create lost");
            var w1 = Wire();
            var v2 = await sut.Store.TryReplaceAsync(key, content, v1).ConfigureAwait(false) ?? throw new InvalidOperationException("raw replace lost");
            var w2 = Wire();
            if (!await sut.Store.TryDeleteAsync(key, v2).ConfigureAwait(false))
            {
                throw new InvalidOperationException("raw delete lost");
            }

            var w3 = Wire();
            rawCreate += w1 - w0;
            rawReplace += w2 - w1;
            rawDelete += w3 - w2;
        }

        // The library: `locks` uncontended acquires, a heartbeat window, then the releases.
        var hocon = $"lock-actors.heartbeat-interval = {(int)interval.TotalMilliseconds}ms";
        await using var system = LockSystem.Start(sut.Scheme, sut.Counting, hocon);
        var counting = sut.Counting;
        var grants = new List<LockGranted>();
        for (var i = 0; i < 2; i++)
        {
            await Common.AcquireReleaseAsync(system.Manager, sut.Uri(2_000_000 + i)).ConfigureAwait(false); // warm the actor path
        }

        var c0 = counting.Snapshot();
        var wire0 = Wire();
        for (var i = 0; i < locks; i++)
        {
            grants.Add(await system.Manager.Ask<LockGranted>(new Acquire(sut.Uri(i)), Common.AskTimeout).ConfigureAwait(false));
        }

        var c1 = counting.Snapshot();
        var wire1 = Wire();
        await Task.Delay(window).ConfigureAwait(false);
        var c2 = counting.Snapshot();
        var wire2 = Wire();
        foreach (var g in grants)
        {
            await system.Manager.Ask<LockReleased>(new Release(g.Target, g.LockId), Common.AskTimeout).ConfigureAwait(false);
        }

        var c3 = counting.Snapshot();
        var wire3 = Wire();

        var acquire = c1 - c0;
        var heartbeat = c2 - c1;
        var release = c3 - c2;
        var beats = Math.Max(heartbeat.Replaces, 1);
        if (acquire.Replaces > 0)
        {
            r.Note(Name, $"{sut.Name}: {acquire.Replaces} heartbeat(s) fell into the acquire phase and are counted there.");
        }

        r.Add(Name, sut.Name, "store calls per acquire", "calls", Better.Lower, (double)acquire.Total / locks, 1);
        r.Add(Name, sut.Name, "store calls per heartbeat", "calls", Better.Lower, heartbeat.Replaces == 0 ? double.NaN : (double)heartbeat.Total / beats, 1);
        r.Add(Name, sut.Name, "store calls per release", "calls", Better.Lower, (double)release.Total / locks, 1);
        if (describe)
        {
            r.Note(Name, $"{sut.Name}: first run's calls: acquire [{acquire}], heartbeat window [{heartbeat}] ({heartbeat.Replaces} heartbeats for {locks} locks in {window.TotalSeconds:F1} s at {interval.TotalMilliseconds:F0} ms), release [{release}].".Replace(".0 s", " s", StringComparison.Ordinal));
        }

        if (sut.Wire is not null)
        {
            r.Add(Name, sut.Name, "wire requests per acquire", sut.WireUnit, Better.Lower, (double)(wire1 - wire0) / locks, rawCreate / locks);
            r.Add(Name, sut.Name, "wire requests per heartbeat", sut.WireUnit, Better.Lower, heartbeat.Replaces == 0 ? double.NaN : (double)(wire2 - wire1) / beats, rawReplace / locks);
            r.Add(Name, sut.Name, "wire requests per release", sut.WireUnit, Better.Lower, (double)(wire3 - wire2) / locks, rawDelete / locks);
        }
    }
}
