using System.Collections.Concurrent;
using System.Diagnostics;
using LockActors.Client;

namespace LockActors.Cluster.Tests;

/// <summary>
/// Workers on several nodes contending for a few targets, recording every hold: when it was granted, when its worker
/// stopped using it, its fencing token and whether its lease was still certain at the end. A hold whose lease was
/// certain until its end must not overlap any other such hold of the same target, and tokens must grow per target.
/// </summary>
public sealed class ContentionHistory
{
    private readonly ConcurrentBag<Hold> _holds = [];
    private int _errors;

    /// <summary>Errors other than "still held" timeouts (typed lock errors are expected during a node crash).</summary>
    public int Errors => _errors;

    /// <summary>Every recorded hold.</summary>
    public IReadOnlyCollection<Hold> Holds => _holds;

    /// <summary>Runs one worker until <paramref name="stop"/>: acquire (waiting), hold a little, release.</summary>
    public async Task RunWorkerAsync(ILockClient client, string[] targets, TimeSpan ttl, CancellationToken stop)
    {
        var random = new Random();
        while (!stop.IsCancellationRequested)
        {
            var target = targets[random.Next(targets.Length)];
            try
            {
                await using var handle = await client.AcquireAsync(target, new LockOptions { Ttl = ttl, AcquireTimeout = TimeSpan.FromSeconds(15) });
                var start = Stopwatch.GetTimestamp();
                var validAtStart = handle.CheckLease();
                await Task.Delay(random.Next(5, 25));
                var end = Stopwatch.GetTimestamp();
                _holds.Add(new Hold(target, handle.FencingToken, start, end, validAtStart && handle.CheckLease()));
            }
            catch (LockException)
            {
                Interlocked.Increment(ref _errors);
            }
        }
    }

    /// <summary>Pairs of valid holds of one target whose intervals intersect.</summary>
    public int Overlaps() => _holds.Where(h => h.Valid).GroupBy(h => h.Target).Sum(g =>
    {
        var sorted = g.OrderBy(h => h.Start).ToArray();
        var overlaps = 0;
        for (var i = 1; i < sorted.Length; i++)
        {
            if (sorted[i].Start < sorted[i - 1].End)
            {
                overlaps++;
            }
        }

        return overlaps;
    });

    /// <summary>Valid holds (in time order per target) whose token is not greater than the previous one's.</summary>
    public int TokenFaults() => _holds.Where(h => h.Valid).GroupBy(h => h.Target).Sum(g =>
    {
        var sorted = g.OrderBy(h => h.Start).ToArray();
        return sorted.Skip(1).Zip(sorted, (later, earlier) => later.Token <= earlier.Token ? 1 : 0).Sum();
    });

    /// <summary>One hold.</summary>
    public sealed record Hold(string Target, long Token, long Start, long End, bool Valid);
}
