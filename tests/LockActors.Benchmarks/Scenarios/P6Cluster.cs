using LockActors.Benchmarks.Infrastructure;
using LockActors.Storage.Stores.Memory;

namespace LockActors.Benchmarks.Scenarios;

/// <summary>
/// P6: cluster mode against store arbitration, in one run on one mem:// store shared by in-process nodes (through the
/// counting store): cross-node hand-off, contended tries from another node, fan-out on 1 and 3 nodes.
/// </summary>
internal static class P6Cluster
{
    public const string Name = "P6";

    public static async Task RunAsync(Options o, Results r)
    {
        r.Describe(Name, "P6 · cluster mode vs store arbitration (in-process nodes on loopback, one shared mem:// store)",
            "the same nodes without cluster mode in the same run: plain actor systems on the same store, where the store alone arbitrates " +
            "(a waiter on another node polls the store, trying its create again, at the default poll-interval: 200 ms doubling to 2 s). " +
            "Here the **library** column is cluster mode (LockActors.Cluster, nodes of one Akka.NET cluster on 127.0.0.1) and the **baseline** column the plain systems; " +
            "ratio > 1 = cluster mode is better.");
        var rounds = o.Size(3, 40);
        var tries = o.Size(20, 300);
        var callers = o.Smoke ? 16 : 64;
        var files = o.Size(200, 5_000);
        var handOff = $"hand-off node A → waiter on node B, {rounds} rounds";
        var tryCase = $"contended TryAcquire from other nodes, {tries} tries";
        var fanOut = (int n) => $"fan-out on {n} node{(n == 1 ? string.Empty : "s")}, {callers} callers, {files:N0} files";
        (StoreCalls Cluster, StoreCalls Plain) lastHandOff = default, lastTries = default;
        for (var run = 0; run < o.Runs; run++)
        {
            var store = new CountingStore(new MemoryLockStore());
            P6FanOut.FanOut c3, p3, c1, p1;
            await using (var cluster = await LockCluster.StartClusterAsync(3, "mem", store).ConfigureAwait(false))
            await using (var plain = LockCluster.StartPlain(3, "mem", store))
            {
                var (ch, ph) = await Common.AlternateAsync(run,
                    () => P6HandOff.HandOffAsync(cluster, store, rounds, $"handoff-cluster-{run}"),
                    () => P6HandOff.HandOffAsync(plain, store, rounds, $"handoff-plain-{run}")).ConfigureAwait(false);
                r.Add(Name, handOff, "hand-off latency p50", "µs", Better.Lower, ch.Latency.P50Us, ph.Latency.P50Us, ch.Latency, ph.Latency);
                r.Add(Name, handOff, "hand-off latency p99", "µs", Better.Lower, ch.Latency.P99Us, ph.Latency.P99Us);
                r.Add(Name, handOff, "store requests per hand-off", "requests", Better.Lower, ch.CallsPerHandOff, ph.CallsPerHandOff);
                lastHandOff = (ch.Calls, ph.Calls);

                var (ct, pt) = await Common.AlternateAsync(run,
                    () => P6HandOff.TriesAsync(cluster, store, tries, $"try-cluster-{run}"),
                    () => P6HandOff.TriesAsync(plain, store, tries, $"try-plain-{run}")).ConfigureAwait(false);
                r.Add(Name, tryCase, "try latency p50", "µs", Better.Lower, ct.Latency.P50Us, pt.Latency.P50Us, ct.Latency, pt.Latency);
                r.Add(Name, tryCase, "try latency p99", "µs", Better.Lower, ct.Latency.P99Us, pt.Latency.P99Us);
                r.Add(Name, tryCase, "store requests per try", "requests", Better.Lower, ct.CallsPerTry, pt.CallsPerTry);
                lastTries = (ct.Calls, pt.Calls);

                (c3, p3) = await Common.AlternateAsync(run,
                    () => P6FanOut.RunAsync(cluster, store, callers, files, $"fan3-cluster-{run}"),
                    () => P6FanOut.RunAsync(plain, store, callers, files, $"fan3-plain-{run}")).ConfigureAwait(false);
            }

            await using (var cluster = await LockCluster.StartClusterAsync(1, "mem", store).ConfigureAwait(false))
            await using (var plain = LockCluster.StartPlain(1, "mem", store))
            {
                (c1, p1) = await Common.AlternateAsync(run,
                    () => P6FanOut.RunAsync(cluster, store, callers, files, $"fan1-cluster-{run}"),
                    () => P6FanOut.RunAsync(plain, store, callers, files, $"fan1-plain-{run}")).ConfigureAwait(false);
            }

            foreach (var (nodes, c, p) in new[] { (1, c1, p1), (3, c3, p3) })
            {
                r.Add(Name, fanOut(nodes), "acquire+release", "ops/s", Better.Higher, c.Rate, p.Rate, c.Latency, p.Latency);
                r.Add(Name, fanOut(nodes), "store requests per acquire+release", "requests", Better.Lower, c.CallsPerOp, p.CallsPerOp);
            }

            r.Add(Name, "fan-out scaling", "3 nodes ÷ 1 node throughput", "×", Better.Higher, c3.Rate / c1.Rate, p3.Rate / p1.Rate);
        }

        r.Goal(Name, handOff, "store requests per hand-off", "cluster ≈ 1 (one compare-and-swap, no reads)", s => s.LibMax <= 1.1);
        r.Goal(Name, tryCase, "store requests per try", "cluster 0 (answered from the entity's memory)", s => s.LibMax == 0);
        r.Note(Name, $"Last run's store calls, hand-off (release → grant, release included): cluster {lastHandOff.Cluster}; plain {lastHandOff.Plain}. " +
                     "In cluster mode the one entity hands the lock to its queued waiter with one compare-and-swap; a plain waiter finds out at its next poll, a create that now succeeds (after the release's delete).");
        r.Note(Name, $"Last run's store calls, contended tries: cluster {lastTries.Cluster}; plain {lastTries.Plain}. " +
                     "A plain try is a refused create plus a read of the holder's metadata; in cluster mode the entity answers from memory.");
        r.Note(Name, "Hand-off latency is from the holder's release call to the waiter's grant (50 ms after the waiter asked); latency columns of the p50 rows hold p50 / p99. " +
                     "Fan-out: operation i goes to node i mod nodes through that node's lock manager (Ask acquire, Ask release), every file distinct, after a warm-up on up to 500 other files; " +
                     "in cluster mode every request is routed through the shard region to the file's entity, on whichever node hosts it (all nodes share this process's 2 cores).");
    }
}
