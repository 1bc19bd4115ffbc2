using System.Diagnostics;
using System.Text.Json;

namespace LockActors.Reliability.History;

/// <summary>
/// One hold as a worker process recorded it (a JSONL line). <see cref="Enter"/> and <see cref="Exit"/> are Stopwatch
/// timestamps (CLOCK_MONOTONIC on Linux, one clock for every process on the host): from the grant to the end of the
/// last write the holder made under a lease that <c>CheckLease()</c> confirmed.
/// </summary>
public sealed record Hold(string Target, int Pid, string LockId, long Token, long Enter, long Exit, bool Lost, int Writes, string Release)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    /// <summary>True when the holder's release succeeded.</summary>
    public bool ReleasedCleanly => Release == "released";

    public static Hold Parse(string line) =>
        JsonSerializer.Deserialize<Hold>(line, Json) ?? throw new FormatException("empty history line");

    /// <summary>Every hold in the given JSONL files (missing files are empty: a process killed before its first hold).</summary>
    public static IReadOnlyList<Hold> ReadAll(IEnumerable<string> files) =>
        files.Where(File.Exists).SelectMany(File.ReadAllLines).Where(l => l.Length > 0).Select(Parse).ToArray();

    public override string ToString() =>
        $"[{Target} pid {Pid} lock {LockId} token {Token} {Enter}..{Exit} ({(Exit - Enter) * 1000.0 / Stopwatch.Frequency:F1} ms){(Lost ? " lost" : string.Empty)} {Release}]";
}
