using LockActors.Benchmarks.Infrastructure;
using LockActors.Storage;
using LockActors.Storage.Stores.File;

namespace LockActors.Benchmarks.Scenarios;

/// <summary>
/// P2: uncontended acquire + release on distinct file:// targets against a raw CreateNew + write + close + delete loop,
/// with the store's default settings and with <c>inline-io = on</c> (each against its own raw phase of the same run).
/// </summary>
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
        var @case = (int c, bool inline) => $"{c} caller{(c == 1 ? string.Empty : "s")}, {n:N0} files{(inline ? ", inline-io on" : string.Empty)}";
        for (var run = 0; run < o.Runs; run++)
        {
            foreach (var callers in callerCounts)
            {
                var dir = Path.Combine(Path.GetTempPath(), "lockactors-bench", $"p2-{Guid.NewGuid():N}");
                Directory.CreateDirectory(dir);
                try
                {
                    foreach (var inline in new[] { false, true })
                    {
                        var ((libOps, libLat), (baseOps, baseLat)) = await Common.AlternateAsync(run,
                            () => LibraryAsync(dir, n, callers, inline),
                            () => RawAsync(dir, n, callers, json)).ConfigureAwait(false);
                        r.Add(Name, @case(callers, inline), "acquire+release", "ops/s", Better.Higher, libOps, baseOps, libLat, baseLat);
                    }
                }
                finally
                {
                    Directory.Delete(dir, recursive: true);
                }
            }
        }

        foreach (var callers in callerCounts)
        {
            foreach (var inline in new[] { false, true })
            {
                r.Goal(Name, @case(callers, inline), "acquire+release", "ratio ≥ 0.5 (issue 15)", s => s.RatioMedian >= 0.5);
            }
        }

        r.Note(Name, $"Directory: {Path.Combine(Path.GetTempPath(), "lockactors-bench")} ({DescribeFs(Path.GetTempPath())}). The sidecar JSON is {json.Length} bytes.");
    }

    /// <summary>
    /// For tests/perf/p2-syscalls.sh: 200 warm-up cycles, then <paramref name="ops"/> acquire + release cycles by one caller,
    /// through the library (<paramref name="mode"/> = lib, or lib-inline with <c>inline-io = on</c>) or the raw loop (raw). Run under <c>strace -f -c</c> with 0 and N
    /// ops; the difference divided by N is the syscalls per cycle.
    /// </summary>
    public static async Task TraceAsync(string mode, int ops)
    {
        var dir = Path.Combine(Path.GetTempPath(), "lockactors-bench", $"p2-trace-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            var json = LockMetadataCodec.Encode(new LockMetadata("0123abcd-" + Guid.NewGuid().ToString("N"), $"{Environment.MachineName}/{Environment.ProcessId}",
                Environment.MachineName, Environment.ProcessId, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, TimeSpan.FromSeconds(30), 1));
            if (mode == "raw")
            {
                for (var i = 0; i < 200; i++)
                {
                    RawOnce(Path.Combine(dir, $"warm{i}.csv.lock"), json);
                }

                for (var i = 0; i < ops; i++)
                {
                    RawOnce(Path.Combine(dir, $"f{i}.csv.lock"), json);
                }

                return;
            }

            await using var system = LockSystem.Start("file", Store(mode == "lib-inline"));
            for (var i = 0; i < 200; i++)
            {
                await Common.AcquireReleaseAsync(system.Manager, new Uri(Path.Combine(dir, $"warm{i}.csv")).AbsoluteUri).ConfigureAwait(false);
            }

            for (var i = 0; i < ops; i++)
            {
                await Common.AcquireReleaseAsync(system.Manager, new Uri(Path.Combine(dir, $"f{i}.csv")).AbsoluteUri).ConfigureAwait(false);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static void RawOnce(string path, byte[] json)
    {
        using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1))
        {
            stream.Write(json);
        }

        File.Delete(path);
    }

    private static FileLockStore Store(bool inlineIo) => new(FileStoreSettings.Default.WithInlineIo(inlineIo));

    private static async Task<(double, Latency)> LibraryAsync(string dir, int n, int callers, bool inlineIo)
    {
        await using var system = LockSystem.Start("file", Store(inlineIo));
        var uri = (string prefix, int i) => new Uri(Path.Combine(dir, $"{prefix}{i}.csv")).AbsoluteUri;
        await Load.RunAsync(callers, Math.Min(500, n), i => Common.AcquireReleaseAsync(system.Manager, uri("warm-lib-", i)), null).ConfigureAwait(false);
        Load.Settle();
        var recorder = new LatencyRecorder(n);
        var seconds = await Load.RunAsync(callers, n, i => Common.AcquireReleaseAsync(system.Manager, uri("lib-", i)), recorder).ConfigureAwait(false);
        return (n / seconds, recorder.Result());
    }

    private static async Task<(double, Latency)> RawAsync(string dir, int n, int callers, byte[] json)
    {
        void Once(string path) => RawOnce(path, json);

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
