using LockActors.Benchmarks.Infrastructure;
using LockActors.Storage;
using LockActors.Storage.Stores.File;

namespace LockActors.Benchmarks.Scenarios;

/// <summary>P2: uncontended acquire + release on distinct file:// targets against a raw CreateNew + write + close + delete loop.</summary>
internal static class P2File
{
    public const string Name = "P2";

    public static async Task RunAsync(Options o, Results r)
    {
        r.Describe(Name, "P2 · file:// uncontended (acquire + release on distinct files)",
            "raw loop in the same run and directory: FileMode.CreateNew of <file>.lock + write the same sidecar JSON + close + File.Delete, " +
            "with the same number of concurrent callers. Ratio = library ops/s ÷ raw ops/s.");
        var n = o.Size(200, 10_000);
        int[] callerCounts = o.Smoke ? [1] : [1, 16];
        var json = LockMetadataCodec.Encode(new LockMetadata("0123abcd-" + Guid.NewGuid().ToString("N"), $"{Environment.MachineName}/{Environment.ProcessId}",
            Environment.MachineName, Environment.ProcessId, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, TimeSpan.FromSeconds(30), 1));
        var @case = (int c) => $"{c} caller{(c == 1 ? string.Empty : "s")}, {n:N0} files";
        for (var run = 0; run < o.Runs; run++)
        {
            foreach (var callers in callerCounts)
            {
                var dir = Path.Combine(Path.GetTempPath(), "lockactors-bench", $"p2-{Guid.NewGuid():N}");
                Directory.CreateDirectory(dir);
                try
                {
                    var ((libOps, libLat), (baseOps, baseLat)) = await Common.AlternateAsync(run,
                        () => LibraryAsync(dir, n, callers),
                        () => RawAsync(dir, n, callers, json)).ConfigureAwait(false);
                    r.Add(Name, @case(callers), "acquire+release", "ops/s", Better.Higher, libOps, baseOps, libLat, baseLat);
                }
                finally
                {
                    Directory.Delete(dir, recursive: true);
                }
            }
        }

        foreach (var callers in callerCounts)
        {
            r.Goal(Name, @case(callers), "acquire+release", "ratio ≥ 0.8", s => s.RatioMedian >= 0.8);
        }

        r.Note(Name, $"Directory: {Path.Combine(Path.GetTempPath(), "lockactors-bench")} ({DescribeFs(Path.GetTempPath())}). The sidecar JSON is {json.Length} bytes.");
    }

    private static async Task<(double, Latency)> LibraryAsync(string dir, int n, int callers)
    {
        await using var system = LockSystem.Start("file", new FileLockStore());
        var uri = (string prefix, int i) => new Uri(Path.Combine(dir, $"{prefix}{i}.csv")).AbsoluteUri;
        await Load.RunAsync(callers, Math.Min(500, n), i => Common.AcquireReleaseAsync(system.Manager, uri("warm-lib-", i)), null).ConfigureAwait(false);
        Load.Settle();
        var recorder = new LatencyRecorder(n);
        var seconds = await Load.RunAsync(callers, n, i => Common.AcquireReleaseAsync(system.Manager, uri("lib-", i)), recorder).ConfigureAwait(false);
        return (n / seconds, recorder.Result());
    }

    private static async Task<(double, Latency)> RawAsync(string dir, int n, int callers, byte[] json)
    {
        void Once(string path)
        {
            using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1))
            {
                stream.Write(json);
            }

            File.Delete(path);
        }

        var path = (string prefix, int i) => Path.Combine(dir, $"{prefix}{i}.csv.lock");
        await Load.RunAsync(callers, Math.Min(500, n), i =>
        {
            Once(path("warm-raw-", i));
            return Task.CompletedTask;
        }, null).ConfigureAwait(false);
        Load.Settle();
        var recorder = new LatencyRecorder(n);
        var seconds = await Load.RunAsync(callers, n, i =>
        {
            Once(path("raw-", i));
            return Task.CompletedTask;
        }, recorder).ConfigureAwait(false);
        return (n / seconds, recorder.Result());
    }

    private static string DescribeFs(string path)
    {
        try
        {
            var full = Path.GetFullPath(path);
            var best = DriveInfo.GetDrives().Where(d => full.StartsWith(d.RootDirectory.FullName, StringComparison.Ordinal))
                .OrderByDescending(d => d.RootDirectory.FullName.Length).FirstOrDefault();
            return best is null ? "unknown file system" : $"{best.DriveFormat} mounted at {best.RootDirectory.FullName}";
        }
        catch (IOException)
        {
            return "unknown file system";
        }
    }
}
