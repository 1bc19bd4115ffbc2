using System.Diagnostics;
using LockActors.Benchmarks.Infrastructure;
using LockActors.Client;

namespace LockActors.Benchmarks.Scenarios;

/// <summary>
/// P6 (a, b): cross-node contention on one target. Hand-off: node A releases while a caller on node B waits; contended
/// try: callers on the other nodes try a target node A holds. Measured on a cluster in cluster mode or on plain
/// systems (store arbitration), on the same counting store.
/// </summary>
internal static class P6HandOff
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(60);

    /// <summary>Hand-off latency (release call → the waiter's grant) and store calls per hand-off.</summary>
    public sealed record HandOff(Latency Latency, double CallsPerHandOff, StoreCalls Calls);

    /// <summary>Contended-try latency and store calls per try.</summary>
    public sealed record Tries(Latency Latency, double CallsPerTry, StoreCalls Calls);

    /// <summary>
    /// <paramref name="rounds"/> hand-offs, each on a fresh target: node 0 holds, node 1 asks and waits, then node 0
    /// releases. Store calls are counted from the release to the grant, the release included (a plain waiter's
    /// re-reads in that window too; its reads before the release are not).
    /// </summary>
    public static async Task<HandOff> HandOffAsync(LockCluster nodes, CountingStore store, int rounds, string tag)
    {
        var holder = nodes.Clients[0];
        var waiter = nodes.Clients[1];
        await RoundAsync(holder, waiter, store, $"mem://bench/p6/{tag}/warm.csv").ConfigureAwait(false);
        var ticks = new long[rounds];
        StoreCalls calls = default;
        for (var i = 0; i < rounds; i++)
        {
            var (elapsed, round) = await RoundAsync(holder, waiter, store, $"mem://bench/p6/{tag}/h{i}.csv").ConfigureAwait(false);
            ticks[i] = elapsed;
            calls = new StoreCalls(calls.Creates + round.Creates, calls.Reads + round.Reads, calls.Replaces + round.Replaces, calls.Deletes + round.Deletes);
        }

        return new HandOff(Latency.FromTicks(ticks, rounds), (double)calls.Total / rounds, calls);
    }

    /// <summary>
    /// <paramref name="tries"/> sequential <c>TryAcquireAsync</c> calls on a target node 0 holds, taking turns over the
    /// other nodes; every one must come back empty.
    /// </summary>
    public static async Task<Tries> TriesAsync(LockCluster nodes, CountingStore store, int tries, string tag)
    {
        var target = $"mem://bench/p6/{tag}/held.csv";
        var held = await nodes.Clients[0].AcquireAsync(target, new LockOptions { Ttl = Ttl }).ConfigureAwait(false);
        await using (held.ConfigureAwait(false))
        {
            for (var i = 0; i < 5; i++)
            {
                await TryAsync(nodes.Clients[1 + (i % (nodes.Clients.Count - 1))], target).ConfigureAwait(false);
            }

            var ticks = new long[tries];
            var before = store.Snapshot();
            for (var i = 0; i < tries; i++)
            {
                var t0 = Stopwatch.GetTimestamp();
                await TryAsync(nodes.Clients[1 + (i % (nodes.Clients.Count - 1))], target).ConfigureAwait(false);
                ticks[i] = Stopwatch.GetTimestamp() - t0;
            }

            var calls = store.Snapshot() - before;
            return new Tries(Latency.FromTicks(ticks, tries), (double)calls.Total / tries, calls);
        }
    }

    private static async Task TryAsync(ILockClient client, string target)
    {
        var handle = await client.TryAcquireAsync(target, new LockOptions { Ttl = Ttl }).ConfigureAwait(false);
        if (handle is not null)
        {
            await handle.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"a try on {target} was granted while another node held it");
        }
    }

    private static async Task<(long Elapsed, StoreCalls Calls)> RoundAsync(ILockClient holder, ILockClient waiter, CountingStore store, string target)
    {
        var held = await holder.AcquireAsync(target, new LockOptions { Ttl = Ttl }).ConfigureAwait(false);
        var waiting = waiter.AcquireAsync(target, new LockOptions { Ttl = Ttl, AcquireTimeout = TimeSpan.FromSeconds(60) });
        await Task.Delay(50).ConfigureAwait(false); // the waiter is queued (cluster) or has found the sidecar and backs off (plain)
        var before = store.Snapshot();
        var t0 = Stopwatch.GetTimestamp();
        var release = held.ReleaseAsync();
        var next = await waiting.ConfigureAwait(false);
        var elapsed = Stopwatch.GetTimestamp() - t0;
        await release.ConfigureAwait(false);
        var calls = store.Snapshot() - before;
        await next.ReleaseAsync().ConfigureAwait(false);
        return (elapsed, calls);
    }
}
