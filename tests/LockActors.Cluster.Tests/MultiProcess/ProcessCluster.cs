using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using LockActors.Reliability.History;
using LockActors.Reliability.MultiProcess;
using Xunit.Abstractions;

namespace LockActors.Cluster.Tests.MultiProcess;

/// <summary>
/// A cluster of <c>LockActors.ContentionWorker</c> OS processes on 127.0.0.1 in cluster mode, sharing one file://
/// directory as the store, every node's callers contending for the same few targets (plus, optionally, plain
/// non-cluster processes on the same files). node0 is the seed, so the oldest member and the shard coordinator.
/// Split Brain Resolver keep-majority downs what stops answering and a downed node terminates itself. Each hold is
/// recorded in a JSONL history and checked by the reliability harness's <see cref="HistoryCheck"/>; grants a killed
/// process could not record count as held until the kill. Every worker's output is saved under the run's directory
/// and its tail printed by <see cref="ReportFailure"/>.
/// </summary>
public sealed class ProcessCluster : IAsyncDisposable
{
    private const string SystemName = "lockmp";

    /// <summary>The failure detector's allowance: generous, so that a survivor slowed by a loaded 2-core box is not
    /// judged unreachable (keep-majority would then down a survivor too); a stopped node stays silent much longer.</summary>
    public static readonly TimeSpan AcceptableHeartbeatPause = TimeSpan.FromSeconds(5);

    /// <summary>How long SBR waits for a stable view before it downs the unreachable side.</summary>
    public static readonly TimeSpan StableAfter = TimeSpan.FromSeconds(3);

    private readonly string _work = Directory.CreateTempSubdirectory("lockactors-cluster-mp-").FullName;
    private readonly List<ProcessClusterNode> _nodes = [];
    private readonly ITestOutputHelper _output;

    /// <param name="ttl">The locks' TTL.</param>
    /// <param name="holdFor">How long each hold lasts (a write under the lock every 100 ms).</param>
    /// <param name="targets">How many files the callers share.</param>
    public ProcessCluster(ITestOutputHelper output, TimeSpan ttl, TimeSpan holdFor, int targets = 6)
    {
        _output = output;
        Ttl = ttl;
        HoldFor = holdFor;
        StoreRoot = Directory.CreateDirectory(Path.Combine(_work, "store")).FullName;
        ProtectedDirectory = Directory.CreateDirectory(Path.Combine(_work, "protected")).FullName;
        Targets = Enumerable.Range(0, targets).Select(i => LockTarget.Parse($"file://{StoreRoot}/t{i}.csv").Normalized).ToArray();
    }

    public TimeSpan Ttl { get; }

    public TimeSpan HoldFor { get; }

    public string StoreRoot { get; }

    public string ProtectedDirectory { get; }

    /// <summary>The shared targets (normalised, as entity ids and histories name them).</summary>
    public IReadOnlyList<string> Targets { get; }

    public IReadOnlyList<ProcessClusterNode> Nodes => _nodes;

    public IEnumerable<ProcessClusterNode> ClusterNodes => _nodes.Where(n => n.Port > 0);

    public static double Ms(long stopwatchTicks) => stopwatchTicks * 1000.0 / Stopwatch.Frequency;

    /// <summary>Starts <paramref name="nodes"/> cluster nodes and <paramref name="plain"/> plain processes, each with
    /// <paramref name="callers"/> callers, and waits until every node has seen all nodes Up.</summary>
    public async Task StartAsync(int nodes = 3, int plain = 0, int callers = 2)
    {
        var ports = FreePorts(nodes);
        for (var i = 0; i < nodes; i++)
        {
            Start($"node{i}", ports[i], ClusterHocon(ports[i], ports[0]), callers, "--system-name", SystemName, "--cluster-size", nodes.ToString(CultureInfo.InvariantCulture));
        }

        for (var i = 0; i < plain; i++)
        {
            Start($"plain{i}", 0, CommonHocon("WARNING"), callers);
        }

        foreach (var node in ClusterNodes)
        {
            await node.Process.WaitForLineAsync("UP ", TimeSpan.FromSeconds(120));
        }

        _output.WriteLine($"started {string.Join(", ", _nodes)}; store {StoreRoot}");
    }

    /// <summary>Waits until <paramref name="condition"/> holds, polling every 50 ms.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan within)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(within.TotalSeconds * Stopwatch.Frequency);
        while (!condition())
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"timed out after {within.TotalSeconds:F0} s waiting until {what}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>The node hosting <paramref name="target"/>'s entity, by the nodes' last reports.</summary>
    public ProcessClusterNode? EntityHost(string target) => ClusterNodes.FirstOrDefault(n => n.Running && n.Entities.Contains(target));

    /// <summary>Grants announced and not yet recorded in a history: the locks held right now (as far as the test can tell).</summary>
    public IReadOnlyList<(ProcessClusterNode Node, ProcessClusterNode.Grant Grant)> OpenGrants()
    {
        var recorded = ReadHolds().Select(h => h.LockId).ToHashSet(StringComparer.Ordinal);
        return _nodes.Where(n => n.Running).SelectMany(n => n.Grants.Where(g => !recorded.Contains(g.LockId)).Select(g => (n, g))).ToArray();
    }

    /// <summary>kill -9; returns the Stopwatch time just before it.</summary>
    public long Kill(ProcessClusterNode node)
    {
        node.KilledAtUtc = DateTime.UtcNow;
        var at = node.Process.KillHard();
        node.KilledAt = at;
        _output.WriteLine($"{Stamp()} kill -9 {node}");
        return at;
    }

    /// <summary>Milliseconds from <paramref name="killed"/>'s kill to the first Akka log line of another node containing
    /// <paramref name="text"/> (log lines carry the wall clock; the kill's wall-clock time is kept for this).</summary>
    public double? LoggedAfterKillMs(ProcessClusterNode killed, string text)
    {
        var line = _nodes.Where(n => n != killed).SelectMany(n => n.Process.Lines).FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal) && l.StartsWith('['));
        if (line is null || killed.KilledAtUtc is not { } killedAt)
        {
            return null;
        }

        var stamp = line.Split(']')[1].TrimStart('['); // "[INFO][12/03/2026 07:11:33.099Z][Thread …]"
        return (DateTime.ParseExact(stamp, "MM/dd/yyyy HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal) - killedAt).TotalMilliseconds;
    }

    /// <summary>Asks <paramref name="node"/> to leave the cluster gracefully; returns when it was asked.</summary>
    public long Leave(ProcessClusterNode node)
    {
        var at = Stopwatch.GetTimestamp();
        File.WriteAllText(Path.Combine(node.Control, "leave"), string.Empty);
        _output.WriteLine($"{Stamp()} leave {node}");
        return at;
    }

    /// <summary>SIGSTOP; returns the Stopwatch time just after it.</summary>
    public long Pause(ProcessClusterNode node)
    {
        node.Process.Pause();
        _output.WriteLine($"{Stamp()} SIGSTOP {node}");
        return Stopwatch.GetTimestamp();
    }

    /// <summary>SIGCONT; returns the Stopwatch time just before it.</summary>
    public long Resume(ProcessClusterNode node)
    {
        var at = Stopwatch.GetTimestamp();
        node.Process.Resume();
        _output.WriteLine($"{Stamp()} SIGCONT {node}");
        return at;
    }

    /// <summary>Waits for <paramref name="node"/> to exit by itself; returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(ProcessClusterNode node, TimeSpan within)
    {
        node.ExitCode = await node.Process.WaitForExitAsync(within);
        node.ExitedAt = Stopwatch.GetTimestamp();
        _output.WriteLine($"{Stamp()} {node} exited {node.ExitCode}: {node.Process.Lines.LastOrDefault(l => l.StartsWith("DONE", StringComparison.Ordinal))}");
        return node.ExitCode.Value;
    }

    /// <summary>Tells every running process to stop (a waiting acquire is cancelled) and waits for them to exit.</summary>
    public async Task StopAsync()
    {
        var running = _nodes.Where(n => n.Running).ToArray();
        foreach (var node in running)
        {
            File.WriteAllText(Path.Combine(node.Control, "stop"), string.Empty);
        }

        foreach (var node in running)
        {
            await WaitForExitAsync(node, TimeSpan.FromSeconds(60));
        }
    }

    /// <summary>
    /// The history check over every recorded hold, plus the grants a process announced but never recorded: held until
    /// the end of their writes when the process announced it (killed during the release), else until its kill or
    /// (conservatively) until the test saw it exit.
    /// </summary>
    public HistoryCheck Check()
    {
        var holds = ReadHolds();
        var recorded = holds.Select(h => h.LockId).ToHashSet(StringComparer.Ordinal);
        var unrecorded = _nodes.SelectMany(n =>
        {
            var written = n.WritesEnded;
            return n.Grants.Where(g => !recorded.Contains(g.LockId)).Select(g => new Hold(
                g.Target, n.Pid, g.LockId, g.Token, g.Enter,
                written.TryGetValue(g.LockId, out var end) ? end : n.KilledAt ?? n.ExitedAt ?? Stopwatch.GetTimestamp(), false, 0, n.KilledAt is null ? "unrecorded" : "killed"));
        });
        return HistoryCheck.Run([.. holds, .. unrecorded], ProtectedDirectory);
    }

    /// <summary>Milliseconds from <paramref name="after"/> to the first grant of <paramref name="target"/> (any target
    /// when null) by a node other than <paramref name="except"/>; null when there was none.</summary>
    public double? FirstGrantMs(long after, string? target = null, ProcessClusterNode? except = null)
    {
        var grants = _nodes.Where(n => n != except).SelectMany(n => n.Grants).Where(g => g.Enter > after && (target is null || g.Target == target)).ToArray();
        return grants.Length == 0 ? null : Ms(grants.Min(g => g.Enter) - after);
    }

    /// <summary>Waits until every target in <paramref name="targets"/> was granted after <paramref name="after"/> to a node other than <paramref name="except"/>.</summary>
    public Task WaitForGrantsAfterAsync(long after, IEnumerable<string> targets, ProcessClusterNode? except, TimeSpan within)
    {
        var list = targets.ToArray();
        return WaitUntilAsync(() => list.All(t => FirstGrantMs(after, t, except) is not null), $"{string.Join(", ", list)} granted again", within);
    }

    /// <summary>Writes every worker's output to its log file and prints each one's last lines (grants left out).</summary>
    public void ReportFailure()
    {
        SaveLogs();
        foreach (var node in _nodes)
        {
            var tail = node.Process.Lines.Where(l => !l.StartsWith("GRANT", StringComparison.Ordinal) && !l.StartsWith("ENTITIES", StringComparison.Ordinal)).TakeLast(60);
            _output.WriteLine($"---- {node} exit {node.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? (node.KilledAt is null ? "running" : "killed")}; log {Path.Combine(_work, node.Name + ".log")}");
            _output.WriteLine(string.Join('\n', tail));
            _output.WriteLine("stderr: " + string.Join('\n', node.Process.Errors.Split('\n').TakeLast(20)));
        }
    }

    public async ValueTask DisposeAsync()
    {
        SaveLogs();
        foreach (var node in _nodes)
        {
            node.Process.Dispose();
        }

        await Task.Yield();
        try
        {
            Directory.Delete(StoreRoot, recursive: true); // the logs and histories stay for a look after a failure
        }
        catch (IOException)
        {
        }
    }

    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToArray();
        foreach (var listener in listeners)
        {
            listener.Start();
        }

        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        foreach (var listener in listeners)
        {
            listener.Stop();
        }

        return ports;
    }

    private static string Stamp() => DateTime.UtcNow.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);

    private void Start(string name, int port, string hocon, int callers, params string[] extra)
    {
        var config = Path.Combine(_work, name + ".conf");
        File.WriteAllText(config, hocon);
        var control = Directory.CreateDirectory(Path.Combine(_work, name + "-control")).FullName;
        var history = Path.Combine(_work, name + ".jsonl");
        var process = WorkerProcess.Start(
        [
            "contend", "--config", config, "--targets", string.Join(',', Targets), "--ttl-ms", Ms(Ttl), "--history", history,
            "--protected-dir", ProtectedDirectory, "--callers", callers.ToString(CultureInfo.InvariantCulture), "--hold-ms", Ms(HoldFor),
            "--check-ms", "100", "--control-dir", control, "--tolerate-failures", "1", .. extra,
        ]);
        _nodes.Add(new ProcessClusterNode(name, port, process, history, control));
    }

    private static string Ms(TimeSpan span) => ((int)span.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);

    private IReadOnlyList<Hold> ReadHolds()
    {
        var holds = new List<Hold>();
        foreach (var node in _nodes.Where(n => File.Exists(n.History)))
        {
            using var reader = new StreamReader(new FileStream(node.History, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
            while (reader.ReadLine() is { } line)
            {
                if (line.EndsWith('}'))
                {
                    holds.Add(Hold.Parse(line)); // a line still being written has no closing brace yet
                }
            }
        }

        return holds;
    }

    private void SaveLogs()
    {
        foreach (var node in _nodes)
        {
            File.WriteAllLines(Path.Combine(_work, node.Name + ".log"), [.. node.Process.Lines, "---- stderr", node.Process.Errors]);
        }
    }

    private string CommonHocon(string logLevel) => $$"""
        akka.loglevel = {{logLevel}}
        akka.log-dead-letters = off
        lock-actors.stores.file.root = "{{StoreRoot}}"
        lock-actors.poll-interval = 50ms
        lock-actors.max-poll-interval = 250ms

        """;

    /// <summary>
    /// The cluster HOCON of one node. No <c>min-nr-of-members</c>: the worker waits for the Up members itself (with it,
    /// the next shard coordinator would wait for that many regions once a node is gone, and the cluster would stall).
    /// </summary>
    private string ClusterHocon(int port, int seedPort) => CommonHocon("INFO") + $$"""
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = {{port}} }
        akka.coordinated-shutdown.phases.cluster-exiting.timeout = 2s
        akka.coordinated-shutdown.phases.cluster-sharding-shutdown-region.timeout = 3s
        akka.cluster {
          seed-nodes = ["akka.tcp://{{SystemName}}@127.0.0.1:{{seedPort}}"]
          seed-node-timeout = 1s
          retry-unsuccessful-join-after = 1s
          downing-provider-class = "Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster"
          split-brain-resolver {
            active-strategy = keep-majority
            stable-after = {{Ms(StableAfter)}}ms
          }
          down-removal-margin = 1s
          run-coordinated-shutdown-when-down = on
          failure-detector {
            heartbeat-interval = 1s
            acceptable-heartbeat-pause = {{Ms(AcceptableHeartbeatPause)}}ms
          }
          sharding {
            # A rebalance the coordinator starts just as a node dies (before it is even unreachable) waits for the dead
            # region until handoff-timeout (default 60 s), holding every request for that shard: seen once as a 62 s stall.
            handoff-timeout = 10s
            distributed-data.durable.keys = []
            retry-interval = 200ms
            waiting-for-state-timeout = 500ms
            updating-state-timeout = 500ms
          }
        }
        lock-actors.cluster.enabled = on

        """;
}
