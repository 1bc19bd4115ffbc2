using Akka.Actor;
using LockActors.Benchmarks.Infrastructure;
using LockActors.Messages;
using LockActors.Storage.Stores.Memory;

namespace LockActors.Benchmarks.Scenarios;

/// <summary>
/// Scaling curves on mem://: throughput and managed heap per target for 1k / 10k / 100k / 1M distinct targets (each
/// acquired and released once by 16 callers), and the hand-off rate for 1 / 4 / 16 / 64 / 256 waiters on one target.
/// Both beside the raw Akka shapes of P1 / P4 in the same run; the curves are also drawn as PNG charts.
/// </summary>
internal static class ScalingCurves
{
    public const string Name = "Scaling";
    private const int Callers = 16;

    public static async Task RunAsync(Options o, Results r)
    {
        r.Describe(Name, "Scaling · distinct targets and waiters per target (mem://)",
            "targets: the P1 raw shape (routing manager, one child per URI passivated after the same 1 s idle) at the same size; " +
            "waiters: the P4 raw FIFO mutex actor with the same number of looping callers. Ratio = library ÷ baseline (throughput), baseline ÷ library (bytes).");
        int[] sizes = o.Smoke ? [1_000, 10_000] : [1_000, 10_000, 100_000, 1_000_000];
        int[] waiters = o.Smoke ? [1, 16] : [1, 4, 16, 64, 256];
        var targetCurve = new List<(double X, double Lib, double Raw)>();
        var heapCurve = new List<(double X, double Lib, double Raw)>();
        var handoffCurve = new List<(double X, double Lib, double Raw)>();
        foreach (var n in sizes)
        {
            var @case = $"{n:N0} distinct targets, {Callers} callers";
            var ops = new List<(double, double)>();
            var bytes = new List<(double, double)>();
            for (var run = 0; run < o.Runs; run++)
            {
                var (lib, raw) = await Common.AlternateAsync(run, () => LibraryTargetsAsync(n), () => RawTargetsAsync(n)).ConfigureAwait(false);
                r.Add(Name, @case, "acquire+release throughput", "ops/s", Better.Higher, lib.Ops, raw.Ops);
                r.Add(Name, @case, "managed heap per target after completion", "B", Better.Lower, lib.BytesPerTarget, raw.BytesPerTarget);
                ops.Add((lib.Ops, raw.Ops));
                bytes.Add((lib.BytesPerTarget, raw.BytesPerTarget));
            }

            targetCurve.Add((n, Stat.Median([.. ops.Select(x => x.Item1)]), Stat.Median([.. ops.Select(x => x.Item2)])));
            heapCurve.Add((n, Stat.Median([.. bytes.Select(x => x.Item1)]), Stat.Median([.. bytes.Select(x => x.Item2)])));
        }

        foreach (var w in waiters)
        {
            var grants = o.Size(500, Math.Clamp(w * 200, 5_000, 20_000));
            var @case = $"{w} waiter{(w == 1 ? string.Empty : "s")} on one target, {grants:N0} grants";
            var rates = new List<(double, double)>();
            for (var run = 0; run < o.Runs; run++)
            {
                var (lib, raw) = await Common.AlternateAsync(run, () => LibraryHandoffsAsync(w, grants), () => RawHandoffsAsync(w, grants)).ConfigureAwait(false);
                r.Add(Name, @case, "hand-offs", "grants/s", Better.Higher, lib, raw);
                rates.Add((lib, raw));
            }

            handoffCurve.Add((w, Stat.Median([.. rates.Select(x => x.Item1)]), Stat.Median([.. rates.Select(x => x.Item2)])));
        }

        var flat = targetCurve.Count > 1 ? targetCurve[^1].Lib / targetCurve[0].Lib : double.NaN;
        r.Note(Name, $"Throughput at the largest size ÷ at the smallest: {flat:F2} (1.00 = flat). Managed heap per target is measured right after the last release " +
                     "(targets released in the last second are still alive until passivation), so it is an upper bound.");
        foreach (var (file, title, xLabel, yLabel, points) in new[]
        {
            ("scaling-targets.png", "acquire+release throughput vs distinct targets (mem://, 16 callers)", "distinct targets", "ops/s", targetCurve),
            ("scaling-heap.png", "managed heap per target after completion", "distinct targets", "bytes per target", heapCurve),
            ("scaling-handoffs.png", "hand-offs/s vs waiters on one target (mem://)", "waiters", "grants/s", handoffCurve),
        })
        {
            try
            {
                Charts.Line(Path.Combine(o.OutDir, file), title, xLabel, yLabel, points);
                r.Note(Name, $"Chart: `{file}`.");
            }
            catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or IOException)
            {
                r.Note(Name, $"Chart `{file}` not drawn ({e.GetType().Name}: {e.Message.Split('\n')[0]}); the table above has the same figures.");
            }
        }
    }

    private static async Task<(double Ops, double BytesPerTarget)> LibraryTargetsAsync(int n)
    {
        var store = new MemoryLockStore();
        await using var system = LockSystem.Start("mem", store, "lock-actors.passivate-after = 1s");
        await Common.AcquireReleaseAsync(system.Manager, "mem://bench/scale/warm.csv").ConfigureAwait(false);
        var tag = Guid.NewGuid().ToString("N")[..8];
        var heap0 = Memory.StableHeap();
        var seconds = await Load.RunAsync(Callers, n, i => Common.AcquireReleaseAsync(system.Manager, $"mem://bench/scale-{tag}/d{i % 1000}/f{i}.csv"), null).ConfigureAwait(false);
        var heap1 = Memory.SettledHeap();
        return (n / seconds, (heap1 - heap0) / (double)n);
    }

    private static async Task<(double Ops, double BytesPerTarget)> RawTargetsAsync(int n)
    {
        using var system = RawSystem.Start();
        var manager = system.ActorOf(Props.Create(() => new RawManager(TimeSpan.FromSeconds(1))), "raw");
        await Common.RawAcquireReleaseAsync(manager, "warm").ConfigureAwait(false);
        var heap0 = Memory.StableHeap();
        var seconds = await Load.RunAsync(Callers, n, i => Common.RawAcquireReleaseAsync(manager, $"mem://bench/scale/d{i % 1000}/f{i}.csv"), null).ConfigureAwait(false);
        var heap1 = Memory.SettledHeap();
        await system.Terminate().ConfigureAwait(false);
        return (n / seconds, (heap1 - heap0) / (double)n);
    }

    private static async Task<double> LibraryHandoffsAsync(int waiters, int grants)
    {
        await using var system = LockSystem.Start("mem", new MemoryLockStore());
        var uri = $"mem://bench/scale/handoff-{Guid.NewGuid():N}.csv";
        async Task CycleAsync(int _)
        {
            var granted = await system.Manager.Ask<LockGranted>(new Acquire(uri) { WaitTimeout = TimeSpan.FromMinutes(5) }, Common.AskTimeout).ConfigureAwait(false);
            await system.Manager.Ask<LockReleased>(new Release(uri, granted.LockId), Common.AskTimeout).ConfigureAwait(false);
        }

        await Load.RunAsync(waiters, Math.Min(500, grants), CycleAsync, null).ConfigureAwait(false);
        Load.Settle();
        return grants / await Load.RunAsync(waiters, grants, CycleAsync, null).ConfigureAwait(false);
    }

    private static async Task<double> RawHandoffsAsync(int waiters, int grants)
    {
        using var system = RawSystem.Start();
        var mutex = system.ActorOf(Props.Create(() => new RawMutex()), "mutex");
        const string uri = "mem://bench/scale/handoff.csv";
        await Load.RunAsync(waiters, Math.Min(500, grants), _ => Common.RawAcquireReleaseAsync(mutex, uri), null).ConfigureAwait(false);
        Load.Settle();
        var rate = grants / await Load.RunAsync(waiters, grants, _ => Common.RawAcquireReleaseAsync(mutex, uri), null).ConfigureAwait(false);
        await system.Terminate().ConfigureAwait(false);
        return rate;
    }
}
