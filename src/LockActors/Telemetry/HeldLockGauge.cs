using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace LockActors.Telemetry;

/// <summary>
/// The locks held in this process, per scheme, counted always (one interlocked add per grant and per end) and observed
/// only when a listener asks. Counting regardless of listeners keeps the value right for a listener that subscribes while
/// locks are held, which an <see cref="UpDownCounter{T}"/> fed only while enabled would not.
/// </summary>
internal static class HeldLockGauge
{
    private static readonly ConcurrentDictionary<string, StrongBox<long>> s_held = new(StringComparer.Ordinal);

    /// <summary>One more lock held on <paramref name="scheme"/>.</summary>
    public static void Increment(string scheme) => Interlocked.Increment(ref Counter(scheme).Value);

    /// <summary>One lock fewer held on <paramref name="scheme"/>.</summary>
    public static void Decrement(string scheme) => Interlocked.Decrement(ref Counter(scheme).Value);

    /// <summary>The current count of every scheme that ever held a lock in this process.</summary>
    public static IEnumerable<Measurement<long>> Observe()
    {
        foreach (var (scheme, count) in s_held)
        {
            yield return new Measurement<long>(Volatile.Read(ref count.Value), new KeyValuePair<string, object?>(TelemetryNames.Attributes.Scheme, scheme));
        }
    }

    private static StrongBox<long> Counter(string scheme) => s_held.GetOrAdd(scheme, static _ => new StrongBox<long>());
}
