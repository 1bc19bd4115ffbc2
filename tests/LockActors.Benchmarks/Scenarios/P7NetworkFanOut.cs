using LockActors.Benchmarks.Infrastructure;
using LockActors.Storage;

namespace LockActors.Benchmarks.Scenarios;

/// <summary>
/// P7: fan-out on the network stores: acquire + release once each over N distinct files with 1, 16 and 64 concurrent
/// callers on s3:// (RGW), the GCS emulator and sftp://, against the raw SDK's conditional create + delete at the same
/// concurrency, in the same run. Also counts the wire requests the library puts on the wire per acquire + release.
/// </summary>
internal static class P7NetworkFanOut
{
    public const string Name = "P7";

    private static readonly string[] Stores = ["s3", "gcs-emulator", "sftp"];

    public static async Task RunAsync(Options o, Results r)
    {
        r.Describe(Name, "P7 · fan-out on network stores (acquire + release once each over distinct files)",
            "the raw SDK calls of the same work at the same concurrency, same store, same run: s3 = PUT If-None-Match:* then DELETE " +
            "(AWSSDK.S3), gcs = upload ifGenerationMatch=0 then DELETE (HTTP), sftp = open CREAT|EXCL + write + close then remove (SSH.NET). " +
            "Ratio = library ops/s ÷ raw ops/s. Wire requests: HTTP (s3, gcs) or SFTP requests the store sent, per acquire + release.");
        if (o.Smoke)
        {
            r.Note(Name, "smoke mode: not measured (needs the servers of tests/servers/*.sh; run `tests/run-benchmarks.sh --full` or `-- p7`).");
            return;
        }

        var n = o.Size(100, 10_000);
        int[] callerCounts = [1, 16, 64];
        string Case(string store, int c) => $"{store}, {c} caller{(c == 1 ? string.Empty : "s")}, {n:N0} files";
        foreach (var store in Stores.Where(s => o.Filter is null || s.Contains(o.Filter, StringComparison.OrdinalIgnoreCase)))
        {
            var measured = false;
            for (var run = 0; run < o.Runs; run++)
            {
                foreach (var callers in callerCounts)
                {
                    var tag = $"p7-{Guid.NewGuid():N}"[..15];
                    var (sut, unavailable) = await TryCreateAsync(store, tag).ConfigureAwait(false);
                    if (sut is null)
                    {
                        r.Note(Name, $"{store}: {unavailable}");
                        goto nextStore;
                    }

                    await using (sut.ConfigureAwait(false))
                    {
                        using var raw = RawConditionalClient.For(store);
                        var ((libOps, libLat, wire), (rawOps, rawLat, _)) = await Common.AlternateAsync(run,
                            () => LibraryAsync(sut, n, callers),
                            () => RawAsync(raw, tag, n, callers)).ConfigureAwait(false);
                        r.Add(Name, Case(store, callers), "acquire+release", "ops/s", Better.Higher, libOps, rawOps, libLat, rawLat);
                        if (sut.Wire is not null)
                        {
                            r.Add(Name, Case(store, callers), "wire requests per acquire+release", sut.WireUnit, Better.Lower, wire, raw.RequestsPerCycle);
                        }

                        measured = true;
                    }
                }
            }

            if (measured)
            {
                foreach (var callers in callerCounts)
                {
                    r.Goal(Name, Case(store, callers), "acquire+release", "ratio ≥ 0.9", s => s.RatioMedian >= 0.9);
                    r.Goal(Name, Case(store, callers), "wire requests per acquire+release", "= raw", s => s.RatioMin >= 0.999);
                }
            }

        nextStore:;
        }
    }

    private static async Task<(BenchmarkStore?, string?)> TryCreateAsync(string store, string tag)
    {
        try
        {
            return await BenchmarkStore.CreateAsync(store, tag).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return (null, $"not measured (the store failed: {e.GetType().Name}: {e.Message.Split('\n')[0]})");
        }
    }

    private static async Task<(double Ops, Latency Latency, double Wire)> LibraryAsync(BenchmarkStore sut, int n, int callers)
    {
        await using var system = LockSystem.Start(sut.Scheme, sut.Store);
        var warm = Math.Min(50, n);
        await Load.RunAsync(callers, warm, i => Common.AcquireReleaseAsync(system.Manager, sut.Uri(1_000_000 + i)), null).ConfigureAwait(false);
        Load.Settle();
        var wire0 = sut.Wire?.Invoke() ?? 0;
        var recorder = new LatencyRecorder(n);
        var seconds = await Load.RunAsync(callers, n, i => Common.AcquireReleaseAsync(system.Manager, sut.Uri(i)), recorder).ConfigureAwait(false);
        var wire = ((sut.Wire?.Invoke() ?? 0) - wire0) / (double)n;
        return (n / seconds, recorder.Result(), wire);
    }

    private static async Task<(double Ops, Latency Latency, double Wire)> RawAsync(RawConditionalClient raw, string tag, int n, int callers)
    {
        var content = LockMetadataCodec.Encode(new LockMetadata("raw", "bench", "host", 1, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, TimeSpan.FromSeconds(30), 1));
        async Task CycleAsync(string name)
        {
            await raw.CreateExclusiveAsync(name, content).ConfigureAwait(false);
            await raw.DeleteAsync(name).ConfigureAwait(false);
        }

        var warm = Math.Min(50, n);
        await Load.RunAsync(callers, warm, i => CycleAsync(raw.Name(tag + "w", i)), null).ConfigureAwait(false);
        Load.Settle();
        var recorder = new LatencyRecorder(n);
        var seconds = await Load.RunAsync(callers, n, i => CycleAsync(raw.Name(tag, i)), recorder).ConfigureAwait(false);
        return (n / seconds, recorder.Result(), raw.RequestsPerCycle);
    }
}
