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
            """).WithFallback(ClusterConfig(options, id));
        // Subscribed before the first lock: the meter's instruments are published when LockActors first uses them.
        var metrics = options.Metrics ? WorkerMetrics.Start() : null;
        var started = System.Diagnostics.Stopwatch.StartNew();
        using var system = ActorSystem.Create(options.ClusterPorts is null ? $"ingest-worker-{id}" : "ingest", config);
        if (options.ClusterPorts is not null)
        {
            // Every node up before the first lock: a target's one actor lives on whichever node sharding chose. Waited
            // for here rather than with akka.cluster.min-nr-of-members, which would also hold back the shard
            // coordinator after a node is gone (see README "Cluster mode").
            var cluster = Akka.Cluster.Cluster.Get(system);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (cluster.State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up) < options.ClusterPorts.Length)
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"worker {id}: fewer than {options.ClusterPorts.Length} cluster members up after 60 s");
                }

                await Task.Delay(100);
            }
        }

        var ready = started.Elapsed;
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
        Console.WriteLine($"worker {id}: processed {processed} in {(started.Elapsed - ready).TotalSeconds:F1} s (ready after {ready.TotalSeconds:F1} s)");
        WorkerMetrics.Print(metrics, id);
        await system.Terminate();
        return 0;
    }

    /// <summary>With <c>--cluster N</c>: remoting on 127.0.0.1, the first worker as seed, cluster mode on; else nothing.</summary>
    private static Config ClusterConfig(PipelineOptions options, int id)
    {
        if (options.ClusterPorts is not { } ports)
        {
            return Config.Empty;
        }

        return ConfigurationFactory.ParseString($$"""
            akka.actor.provider = cluster
            akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = {{ports[id - 1]}} }
            akka.cluster {
              seed-nodes = ["akka.tcp://ingest@127.0.0.1:{{ports[0]}}"]
              # The workers start together: join the seed as soon as it is up, not after the default 5 s retries.
              seed-node-timeout = 1s
              retry-unsuccessful-join-after = 1s
              sharding.distributed-data.durable.keys = []
            }
            lock-actors.cluster.enabled = on
            """);
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
