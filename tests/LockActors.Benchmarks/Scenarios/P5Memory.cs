using Akka.Actor;
using LockActors.Benchmarks.Infrastructure;
using LockActors.Messages;
using LockActors.Storage.Stores.Memory;

namespace LockActors.Benchmarks.Scenarios;

/// <summary>P5: bytes per live lock actor, and heap/RSS growth over a million distinct files each locked once.</summary>
internal static class P5Memory
{
    public const string Name = "P5";
    private const int Callers = 16;
    private const double MB = 1024 * 1024;

    public static async Task RunAsync(Options o, Results r)
    {
        r.Describe(Name, "P5 · memory (mem://, fresh store per run)",
            "raw Akka in the same run and process: the P1 baseline shape (routing manager + one watched child per URI; for the million-file case " +
            "children stop after the same 1 s idle time via ReceiveTimeout). Managed heap = GC.GetTotalMemory after aggressive compacting collections; " +
            "RSS = VmRSS. Ratio = baseline ÷ library (bytes).");
        await PerActorAsync(o, r).ConfigureAwait(false);
        await MillionAsync(o, r).ConfigureAwait(false);
    }

    private static async Task PerActorAsync(Options o, Results r)
    {
        var n = o.Size(2_000, 100_000);
        var idleCase = $"{n:N0} idle actors (acquired + released, not yet passivated)";
        var heldCase = $"{n:N0} held locks (actor + grant + timers + store entry)";
        for (var run = 0; run < o.Runs; run++)
        {
            var (libIdle, rawIdle) = await Common.AlternateAsync(run, () => LibraryPerActorAsync(n, release: true), () => RawPerActorAsync(n, release: true)).ConfigureAwait(false);
            r.Add(Name, idleCase, "bytes per live lock actor", "B", Better.Lower, libIdle, rawIdle);
            var (libHeld, rawHeld) = await Common.AlternateAsync(run, () => LibraryPerActorAsync(n, release: false), () => RawPerActorAsync(n, release: false)).ConfigureAwait(false);
            r.Add(Name, heldCase, "bytes per held lock", "B", Better.Lower, libHeld, rawHeld);
        }

        r.Goal(Name, idleCase, "bytes per live lock actor", "≤ 1.25× raw same shape (ratio ≥ 0.8, issue 15)", s => s.RatioMedian >= 0.8);
    }

    /// <summary>Keeps <paramref name="n"/> idle actors (library or raw shape) alive for two minutes, for a heap dump.</summary>
    public static Task HoldAsync(string which, int n) =>
        which == "raw" ? RawPerActorAsync(n, release: true, hold: TimeSpan.FromMinutes(2)) : LibraryPerActorAsync(n, release: true, hold: TimeSpan.FromMinutes(2));

    private static async Task<double> LibraryPerActorAsync(int n, bool release, TimeSpan hold = default)
    {
        var store = new MemoryLockStore();
        await using var system = LockSystem.Start("mem", store, "lock-actors.passivate-after = 1h\nlock-actors.default-ttl = 1h");
        await Common.AcquireReleaseAsync(system.Manager, "mem://bench/p5/warm.csv").ConfigureAwait(false);
        var tag = Guid.NewGuid().ToString("N")[..8];
        var before = Memory.StableHeap();
        var grants = new LockGranted[n];
        await Load.RunAsync(Callers, n, async i =>
        {
            var uri = $"mem://bench/p5-{tag}/f{i}.csv";
            if (release)
            {
                await Common.AcquireReleaseAsync(system.Manager, uri).ConfigureAwait(false);
            }
            else
            {
                grants[i] = await system.Manager.Ask<LockGranted>(new Acquire(uri), Common.AskTimeout).ConfigureAwait(false);
            }
        }, null).ConfigureAwait(false);
        await Task.Delay(200).ConfigureAwait(false);
        var after = Memory.SettledHeap();
        await HoldForDumpAsync(hold).ConfigureAwait(false);
        var children = await system.ChildCountAsync().ConfigureAwait(false);
        if (children < n)
        {
            throw new InvalidOperationException($"expected {n} live children, found {children}");
        }

        GC.KeepAlive(grants);
        return (after - before) / (double)n;
    }

    private static async Task HoldForDumpAsync(TimeSpan hold)
    {
        if (hold > TimeSpan.Zero)
        {
            Console.WriteLine($"holding for {hold.TotalSeconds:F0} s: dotnet-gcdump collect -p {Environment.ProcessId}");
            await Task.Delay(hold).ConfigureAwait(false);
        }
    }

    private static async Task<double> RawPerActorAsync(int n, bool release, TimeSpan hold = default)
    {
        using var system = RawSystem.Start();
        var manager = system.ActorOf(Props.Create(() => new RawManager(null)), "raw");
        await Common.RawAcquireReleaseAsync(manager, "warm").ConfigureAwait(false);
        var before = Memory.StableHeap();
        await Load.RunAsync(Callers, n, async i =>
        {
            var uri = $"mem://bench/p5/f{i}.csv";
            if (release)
            {
                await Common.RawAcquireReleaseAsync(manager, uri).ConfigureAwait(false);
            }
            else
            {
                await manager.Ask<RawGranted>(new RawAcquire(uri), Common.AskTimeout).ConfigureAwait(false);
            }
        }, null).ConfigureAwait(false);
        await Task.Delay(200).ConfigureAwait(false);
        var after = Memory.SettledHeap();
        await HoldForDumpAsync(hold).ConfigureAwait(false);
        await system.Terminate().ConfigureAwait(false);
        return (after - before) / (double)n;
    }

    private sealed record Growth(double HeapDone, double RssDone, double HeapPassivated, double RssPassivated, double OpsPerSecond, TimeSpan PassivationTime);

    private static async Task MillionAsync(Options o, Results r)
    {
        var n = o.Size(5_000, 1_000_000);
        var @case = $"{n:N0} distinct files locked once, {Callers} callers, passivate-after 1 s";
        TimeSpan lastPassivation = default;
        for (var run = 0; run < o.Runs; run++)
        {
            var (lib, raw) = await Common.AlternateAsync(run, () => LibraryMillionAsync(n), () => RawMillionAsync(n)).ConfigureAwait(false);
            r.Add(Name, @case, "managed heap growth after completion", "MB", Better.Lower, lib.HeapDone, raw.HeapDone);
            r.Add(Name, @case, "RSS growth after completion", "MB", Better.Lower, lib.RssDone, raw.RssDone);
            r.Add(Name, @case, "managed heap growth after passivation", "MB", Better.Lower, lib.HeapPassivated, raw.HeapPassivated);
            r.Add(Name, @case, "RSS growth after passivation", "MB", Better.Lower, lib.RssPassivated, raw.RssPassivated);
            r.Add(Name, @case, "acquire+release throughput", "ops/s", Better.Higher, lib.OpsPerSecond, raw.OpsPerSecond);
            lastPassivation = lib.PassivationTime;
        }

        foreach (var metric in new[] { "managed heap growth after completion", "RSS growth after completion", "managed heap growth after passivation", "RSS growth after passivation" })
        {
            r.Goal(Name, @case, metric, "≤ 100 MB", s => s.LibMedian <= 100);
        }

        r.Note(Name, $"\"After completion\" is measured right after the last release (actors released in the last second are still alive); \"after passivation\" once the manager reports 0 children " +
                     $"(last run: {lastPassivation.TotalSeconds:F1} s after completion) and a full GC. RSS growth includes GC segments the runtime keeps committed.");
    }

    private static async Task<Growth> LibraryMillionAsync(int n)
    {
        var store = new MemoryLockStore();
        await using var system = LockSystem.Start("mem", store, "lock-actors.passivate-after = 1s");
        await Common.AcquireReleaseAsync(system.Manager, "mem://bench/p5m/warm.csv").ConfigureAwait(false);
        var tag = Guid.NewGuid().ToString("N")[..8];
        var heap0 = Memory.StableHeap();
        var rss0 = Memory.Rss();
        var seconds = await Load.RunAsync(Callers, n, i => Common.AcquireReleaseAsync(system.Manager, $"mem://bench/p5m-{tag}/d{i % 1000}/f{i}.csv"), null).ConfigureAwait(false);
        var heap1 = Memory.SettledHeap();
        var rss1 = Memory.Rss();
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (await system.ChildCountAsync().ConfigureAwait(false) > 0 && waited.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(250).ConfigureAwait(false);
        }

        var passivation = waited.Elapsed;
        var heap2 = Memory.SettledHeap();
        var rss2 = Memory.Rss();
        if (store.Count != 0)
        {
            throw new InvalidOperationException($"{store.Count} sidecars left in the store");
        }

        return new Growth((heap1 - heap0) / MB, (rss1 - rss0) / MB, (heap2 - heap0) / MB, (rss2 - rss0) / MB, n / seconds, passivation);
    }

    private static async Task<Growth> RawMillionAsync(int n)
    {
        using var system = RawSystem.Start();
        var manager = system.ActorOf(Props.Create(() => new RawManager(TimeSpan.FromSeconds(1))), "raw");
        await Common.RawAcquireReleaseAsync(manager, "warm").ConfigureAwait(false);
        var heap0 = Memory.StableHeap();
        var rss0 = Memory.Rss();
        var seconds = await Load.RunAsync(Callers, n, i => Common.RawAcquireReleaseAsync(manager, $"mem://bench/p5m/d{i % 1000}/f{i}.csv"), null).ConfigureAwait(false);
        var heap1 = Memory.SettledHeap();
        var rss1 = Memory.Rss();
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (await manager.Ask<int>("count", Common.AskTimeout).ConfigureAwait(false) > 0 && waited.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(250).ConfigureAwait(false);
        }

        var passivation = waited.Elapsed;
        var heap2 = Memory.SettledHeap();
        var rss2 = Memory.Rss();
        await system.Terminate().ConfigureAwait(false);
        return new Growth((heap1 - heap0) / MB, (rss1 - rss0) / MB, (heap2 - heap0) / MB, (rss2 - rss0) / MB, n / seconds, passivation);
    }
}
