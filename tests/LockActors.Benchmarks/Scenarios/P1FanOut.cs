using Akka.Actor;
using LockActors.Benchmarks.Infrastructure;
using LockActors.Storage.Stores.Memory;

namespace LockActors.Benchmarks.Scenarios;

/// <summary>P1: acquire + release once each over N distinct mem:// URIs with 1, 16 and 64 callers.</summary>
internal static class P1FanOut
{
    public const string Name = "P1";

    public static async Task RunAsync(Options o, Results r)
    {
        r.Describe(Name, "P1 · fan-out on mem:// (acquire + release once each over distinct URIs)",
            "raw Akka of the same shape in the same run: a manager routing by URI (Dictionary) to one watched child actor per URI, created on demand, " +
            "and two Ask round trips (acquire → granted, release → released); no lock logic, no store. Ratio = library ops/s ÷ baseline ops/s.");
        var n = o.Size(1_000, 100_000);
        int[] callerCounts = o.Smoke ? [1, 16] : [1, 16, 64];
        var @case = (int c) => $"{c} caller{(c == 1 ? string.Empty : "s")}, {n:N0} URIs";
        for (var run = 0; run < o.Runs; run++)
        {
            foreach (var callers in callerCounts)
            {
                var ((libOps, libLat), (baseOps, baseLat)) = await Common.AlternateAsync(run,
                    () => LibraryAsync(n, callers, $"p1-{run}-{callers}"),
                    () => BaselineAsync(n, callers)).ConfigureAwait(false);
                r.Add(Name, @case(callers), "acquire+release", "ops/s", Better.Higher, libOps, baseOps, libLat, baseLat);
            }
        }

        foreach (var callers in callerCounts)
        {
            r.Goal(Name, @case(callers), "acquire+release", "ratio ≥ 0.8 (issue 15)", s => s.RatioMedian >= 0.8);
        }

        r.Note(Name, "Latency columns are per acquire+release pair as seen by one caller (with 16/64 callers they include queueing on 2 cores).");
    }

    /// <summary>
    /// The library side alone, once, for a profiler (<c>tests/perf/p1-profile.sh</c>): prints ops/s and exits the
    /// process at once, so that the actor system's teardown (stopping every target actor) is not in the profile.
    /// </summary>
    public static Task LoadAsync(int callers, int n) => LibraryAsync(n, callers, "load", (ops, latency) =>
    {
        Console.WriteLine($"p1-load: {callers} callers, {n:N0} URIs: {ops:N0} acquire+release/s, p50 {latency.P50Us:N1} µs");
        Environment.Exit(0);
    });

    private static async Task<(double, Latency)> LibraryAsync(int n, int callers, string tag, Action<double, Latency>? measured = null)
    {
        var store = new MemoryLockStore();
        await using var system = LockSystem.Start("mem", store);
        var warm = Math.Min(1_000, n);
        await Load.RunAsync(callers, warm, i => Common.AcquireReleaseAsync(system.Manager, $"mem://bench/{tag}/warm/f{i}.csv"), null).ConfigureAwait(false);
        Load.Settle();
        var recorder = new LatencyRecorder(n);
        var seconds = await Load.RunAsync(callers, n, i => Common.AcquireReleaseAsync(system.Manager, $"mem://bench/{tag}/f{i}.csv"), recorder).ConfigureAwait(false);
        measured?.Invoke(n / seconds, recorder.Result());
        return (n / seconds, recorder.Result());
    }

    private static async Task<(double, Latency)> BaselineAsync(int n, int callers)
    {
        using var system = RawSystem.Start();
        var manager = system.ActorOf(Props.Create(() => new RawManager(null)), "raw");
        var warm = Math.Min(1_000, n);
        await Load.RunAsync(callers, warm, i => Common.RawAcquireReleaseAsync(manager, $"mem://bench/warm/f{i}.csv"), null).ConfigureAwait(false);
        Load.Settle();
        var recorder = new LatencyRecorder(n);
        var seconds = await Load.RunAsync(callers, n, i => Common.RawAcquireReleaseAsync(manager, $"mem://bench/f{i}.csv"), recorder).ConfigureAwait(false);
        await system.Terminate().ConfigureAwait(false);
        return (n / seconds, recorder.Result());
    }
}
