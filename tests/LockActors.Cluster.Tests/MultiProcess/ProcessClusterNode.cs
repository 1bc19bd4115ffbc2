using System.Globalization;
using LockActors.Reliability.MultiProcess;

namespace LockActors.Cluster.Tests.MultiProcess;

/// <summary>
/// One worker process of a <see cref="ProcessCluster"/>: a cluster node (<see cref="Port"/> &gt; 0) or a plain,
/// non-cluster process on the same files; what it printed, and when the test ended it.
/// </summary>
public sealed class ProcessClusterNode(string name, int port, WorkerProcess process, string history, string control)
{
    /// <summary>"node0" (the seed, so the oldest member and the shard coordinator), "node1"…, "plain0"….</summary>
    public string Name { get; } = name;

    /// <summary>The remoting port; 0 for a plain process.</summary>
    public int Port { get; } = port;

    public WorkerProcess Process { get; } = process;

    /// <summary>Its JSONL hold history.</summary>
    public string History { get; } = history;

    /// <summary>Its control directory: the test creates "stop" or "leave" there.</summary>
    public string Control { get; } = control;

    public int Pid => Process.Pid;

    /// <summary>When it was killed (Stopwatch time), if it was.</summary>
    public long? KilledAt { get; internal set; }

    /// <summary>When it was killed, on the wall clock (Akka's log lines carry that clock).</summary>
    public DateTime? KilledAtUtc { get; internal set; }

    /// <summary>Its exit code once the test saw it exit.</summary>
    public int? ExitCode { get; internal set; }

    /// <summary>When the test saw it exit (Stopwatch time).</summary>
    public long? ExitedAt { get; internal set; }

    public bool Running => KilledAt is null && ExitCode is null;

    /// <summary>The normalised targets whose entities it hosts, from its last "ENTITIES" line.</summary>
    public IReadOnlySet<string> Entities =>
        Process.Lines.LastOrDefault(l => l.StartsWith("ENTITIES", StringComparison.Ordinal)) is { } line
            ? line["ENTITIES".Length..].Trim().Split('|', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal)
            : new HashSet<string>(StringComparer.Ordinal);

    /// <summary>The membership it sees, from its last "MEMBERS" line ("port:Status … unreachable=ports").</summary>
    public string Members => Process.Lines.LastOrDefault(l => l.StartsWith("MEMBERS", StringComparison.Ordinal)) is { } line
        ? line[(line.IndexOf(' ', "MEMBERS ".Length) + 1)..]
        : string.Empty;

    /// <summary>Whether its last "MEMBERS" line still lists <paramref name="other"/> (as a member or unreachable).</summary>
    public bool Sees(ProcessClusterNode other) =>
        Members.Split(' ', '=', ',').Any(f => f == other.Port.ToString(CultureInfo.InvariantCulture) || f.StartsWith(other.Port.ToString(CultureInfo.InvariantCulture) + ":", StringComparison.Ordinal));

    /// <summary>Every grant it announced ("GRANT target token lockId enter"), recorded in its history or not.</summary>
    public IReadOnlyList<Grant> Grants => Process.Lines.Where(l => l.StartsWith("GRANT ", StringComparison.Ordinal)).Select(l =>
    {
        var f = l.Split(' ');
        return new Grant(f[1], long.Parse(f[2], CultureInfo.InvariantCulture), f[3], long.Parse(f[4], CultureInfo.InvariantCulture));
    }).ToArray();

    /// <summary>When each announced hold's writes ended ("WRITTEN lockId exit lost"), by lock id.</summary>
    public IReadOnlyDictionary<string, long> WritesEnded => Process.Lines.Where(l => l.StartsWith("WRITTEN ", StringComparison.Ordinal))
        .Select(l => l.Split(' ')).ToDictionary(f => f[1], f => long.Parse(f[2], CultureInfo.InvariantCulture), StringComparer.Ordinal);

    /// <summary>The Stopwatch time in the first line starting with <paramref name="prefix"/> ("LEAVING 123…"), if printed.</summary>
    public long? StampOf(string prefix) => Process.Lines.FirstOrDefault(l => l.StartsWith(prefix + " ", StringComparison.Ordinal)) is { } line
        ? long.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture)
        : null;

    public override string ToString() => $"{Name} (pid {Pid}{(Port > 0 ? $", port {Port}" : ", plain")})";

    /// <summary>One announced grant.</summary>
    public sealed record Grant(string Target, long Token, string LockId, long Enter);
}
