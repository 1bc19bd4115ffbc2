using LockActors.Benchmarks.Infrastructure;

namespace LockActors.Benchmarks.Scenarios;

/// <summary>
/// P6 (c): fan-out over the nodes of a <see cref="LockCluster"/>: many callers, each acquire + release on a distinct
/// file, operation i sent to node i mod nodes through that node's lock manager.
/// </summary>
internal static class P6FanOut
{
    /// <summary>Throughput, per-operation latency and store calls per acquire + release.</summary>
    public sealed record FanOut(double Rate, Latency Latency, double CallsPerOp);

    public static async Task<FanOut> RunAsync(LockCluster nodes, CountingStore store, int callers, int files, string tag)
    {
        var managers = nodes.Managers;
        // Warm-up over enough files to touch every shard (100 by default), so allocation is not measured.
        var warm = Math.Min(files, 500);
        await Load.RunAsync(callers, warm, i => Common.AcquireReleaseAsync(managers[i % managers.Count], $"mem://bench/p6/{tag}/warm/f{i}.csv"), null).ConfigureAwait(false);
        Load.Settle();
        var before = store.Snapshot();
        var recorder = new LatencyRecorder(files);
        var seconds = await Load.RunAsync(callers, files, i => Common.AcquireReleaseAsync(managers[i % managers.Count], $"mem://bench/p6/{tag}/f{i}.csv"), recorder).ConfigureAwait(false);
        var calls = store.Snapshot() - before;
        return new FanOut(files / seconds, recorder.Result(), (double)calls.Total / files);
    }
}
