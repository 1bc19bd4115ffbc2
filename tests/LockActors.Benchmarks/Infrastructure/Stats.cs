using System.Diagnostics;

namespace LockActors.Benchmarks.Infrastructure;

/// <summary>Latency percentiles of one measured phase, in microseconds.</summary>
public readonly record struct Latency(double P50Us, double P99Us, int Count)
{
    /// <summary>Percentiles of raw <see cref="Stopwatch"/> tick durations.</summary>
    public static Latency FromTicks(long[] ticks, int count)
    {
        if (count == 0)
        {
            return new Latency(double.NaN, double.NaN, 0);
        }

        var sorted = ticks.AsSpan(0, count).ToArray();
        Array.Sort(sorted);
        return new Latency(ToUs(Percentile(sorted, 0.50)), ToUs(Percentile(sorted, 0.99)), count);
    }

    private static long Percentile(long[] sorted, double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static double ToUs(long ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;
}

/// <summary>A lock-free recorder of per-operation durations (each caller writes its own slots).</summary>
public sealed class LatencyRecorder(int capacity)
{
    private readonly long[] _ticks = new long[capacity];
    private int _count;

    public void Record(long ticks)
    {
        var i = Interlocked.Increment(ref _count) - 1;
        if (i < _ticks.Length)
        {
            _ticks[i] = ticks;
        }
    }

    public Latency Result() => Latency.FromTicks(_ticks, Math.Min(_count, _ticks.Length));
}

public static class Stat
{
    public static double Median(IReadOnlyList<double> values)
    {
        var v = values.Where(x => !double.IsNaN(x)).OrderBy(x => x).ToArray();
        if (v.Length == 0)
        {
            return double.NaN;
        }

        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[(v.Length / 2) - 1] + v[v.Length / 2]) / 2;
    }

    public static double Min(IReadOnlyList<double> values) => values.Where(x => !double.IsNaN(x)).DefaultIfEmpty(double.NaN).Min();

    public static double Max(IReadOnlyList<double> values) => values.Where(x => !double.IsNaN(x)).DefaultIfEmpty(double.NaN).Max();
}

/// <summary>Process memory probes.</summary>
public static class Memory
{
    /// <summary>Managed heap after a full, compacting, decommitting collection.</summary>
    public static long SettledHeap()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>
    /// <see cref="SettledHeap"/> repeated until two readings 0.5 s apart agree within 1 MB (at most ~10 s): a terminated
    /// actor system of an earlier phase can still be releasing memory, which would make a later growth look negative.
    /// </summary>
    public static long StableHeap()
    {
        var previous = SettledHeap();
        for (var i = 0; i < 20; i++)
        {
            Thread.Sleep(500);
            var current = SettledHeap();
            if (Math.Abs(current - previous) < 1024 * 1024)
            {
                return current;
            }

            previous = current;
        }

        return previous;
    }

    /// <summary>Resident set size from /proc/self/status (VmRSS), or the working set elsewhere.</summary>
    public static long Rss()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    var kb = long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), System.Globalization.CultureInfo.InvariantCulture);
                    return kb * 1024;
                }
            }
        }
        catch (IOException)
        {
        }

        using var p = Process.GetCurrentProcess();
        return p.WorkingSet64;
    }
}
