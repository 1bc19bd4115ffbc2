using System.Security.Cryptography;
using Akka.Actor;
using Akka.Configuration;
using LockActors;
using LockActors.Client;

namespace IngestionPipeline;

/// <summary>
/// One worker process: its own actor system, racing every other worker for the files in the inbox. A file is
/// processed only under its lock, and moved to the archive before the lock is released, so a worker that gets
/// the lock later finds the file gone and skips it.
/// </summary>
internal static class Worker
{
    public static async Task<int> RunAsync(PipelineOptions options, int id)
    {
        var config = ConfigurationFactory.ParseString($$"""
            akka.loglevel = WARNING
            lock-actors {
              default-ttl = 15s
              passivate-after = 2s
              owner-id = "ingest-worker-{{id}}"
              stores.file.root = "{{options.Directory}}"
            }
            """);
        // Subscribed before the first lock: the meter's instruments are published when LockActors first uses them.
        var metrics = options.Metrics ? WorkerMetrics.Start() : null;
        using var system = ActorSystem.Create($"ingest-worker-{id}", config);
        var locks = LockActorsExtension.Get(system).Client;
        var random = new Random(id * 7919);
        await using var log = new StreamWriter(Path.Combine(options.Logs, $"worker-{id}.csv"), append: false);
        var processed = 0;

        while (true)
        {
            var pending = Directory.EnumerateFiles(options.Inbox).Where(IsDataFile).ToArray();
            if (pending.Length == 0)
            {
                break;
            }

            random.Shuffle(pending);
            var claims = pending.Select(async path =>
            {
                await using var handle = await locks.TryAcquireAsync(new Uri(path).AbsoluteUri);
                if (handle is null || !File.Exists(path))
                {
                    return; // another worker holds it, or already archived it
                }

                var digest = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(path, handle.HandleLost)));
                await Task.Delay(options.WorkPerFile, handle.HandleLost);
                File.Move(path, Path.Combine(options.Archive, Path.GetFileName(path)));
                lock (log)
                {
                    log.WriteLine($"{Path.GetFileName(path)},{id},{handle.FencingToken},{digest}");
                    processed++;
                }
            });
            await ForEachBoundedAsync(claims, 32);
        }

        await log.FlushAsync();
        Console.WriteLine($"worker {id}: processed {processed}");
        WorkerMetrics.Print(metrics, id);
        await system.Terminate();
        return 0;
    }

    internal static bool IsDataFile(string path)
    {
        var name = Path.GetFileName(path);
        return !name.StartsWith('.') && !name.EndsWith(".lock", StringComparison.Ordinal);
    }

    private static async Task ForEachBoundedAsync(IEnumerable<Task> work, int parallelism)
    {
        var running = new List<Task>();
        foreach (var task in work)
        {
            running.Add(task);
            if (running.Count >= parallelism)
            {
                var done = await Task.WhenAny(running);
                running.Remove(done);
                await done;
            }
        }

        await Task.WhenAll(running);
    }
}
