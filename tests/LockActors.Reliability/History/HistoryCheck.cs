using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace LockActors.Reliability.History;

/// <summary>
/// The invariants of a multi-process run, checked from its history and its protected files:
/// no two holds of one target overlap on the monotonic clock; fencing tokens grow strictly per target in the order
/// the holds began; and the lines written under the lock to each protected file never interleave (every line between
/// a hold's BEGIN and END is that hold's, a hold that stopped early writes nothing after the next hold began, and
/// BEGIN tokens grow in file order).
/// </summary>
public sealed class HistoryCheck
{
    private readonly List<string> _violations = [];

    private HistoryCheck(IReadOnlyList<Hold> holds) => Holds = holds;

    public IReadOnlyList<Hold> Holds { get; }

    public int Overlaps { get; private set; }

    public int TokenFaults { get; private set; }

    public int InterleavedWrites { get; private set; }

    public int ProtectedLines { get; private set; }

    /// <summary>Consecutive holds of one target by different processes.</summary>
    public int CrossProcessHandOffs { get; private set; }

    public IReadOnlyList<string> Violations => _violations;

    public bool Clean => _violations.Count == 0;

    /// <summary>Checks <paramref name="holds"/> and every <c>*.log</c> protected file in <paramref name="protectedDirectory"/>.</summary>
    public static HistoryCheck Run(IReadOnlyList<Hold> holds, string protectedDirectory)
    {
        var check = new HistoryCheck(holds);
        check.CheckHolds();
        foreach (var file in Directory.EnumerateFiles(protectedDirectory, "*.log"))
        {
            check.CheckProtectedFile(file);
        }

        return check;
    }

    public string Summary() => string.Create(CultureInfo.InvariantCulture,
        $"{Holds.Count} holds on {Holds.Select(h => h.Target).Distinct().Count()} targets by {Holds.Select(h => h.Pid).Distinct().Count()} processes " +
        $"({CrossProcessHandOffs} cross-process hand-offs, {Holds.Count(h => h.Lost)} lost); {ProtectedLines} protected writes; " +
        $"overlaps {Overlaps}, token faults {TokenFaults}, interleaved writes {InterleavedWrites}");

    /// <summary>The summary and the first violations, for an assertion message.</summary>
    public string Report()
    {
        var text = new StringBuilder(Summary());
        foreach (var violation in _violations.Take(20))
        {
            text.Append('\n').Append(violation);
        }

        return text.ToString();
    }

    private void CheckHolds()
    {
        foreach (var perTarget in Holds.GroupBy(h => h.Target))
        {
            var ordered = perTarget.OrderBy(h => h.Enter).ToArray();
            var latestExit = ordered[0];
            for (var i = 1; i < ordered.Length; i++)
            {
                var (previous, hold) = (ordered[i - 1], ordered[i]);
                if (hold.Enter < latestExit.Exit)
                {
                    Overlaps++;
                    _violations.Add($"OVERLAP by {(latestExit.Exit - hold.Enter) * 1000.0 / Stopwatch.Frequency:F1} ms: {latestExit} still held when {hold} began");
                }

                if (hold.Token <= previous.Token)
                {
                    TokenFaults++;
                    _violations.Add($"TOKEN did not grow: {hold} began after {previous}");
                }

                if (hold.Pid != previous.Pid)
                {
                    CrossProcessHandOffs++;
                }

                if (hold.Exit > latestExit.Exit)
                {
                    latestExit = hold;
                }
            }
        }
    }

    private void CheckProtectedFile(string path)
    {
        var name = Path.GetFileName(path);
        string? open = null;
        long lastBeginToken = long.MinValue;
        var finished = new HashSet<string>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            ProtectedLines++;
            var fields = line.Split(' ');
            if (fields.Length != 4 || !long.TryParse(fields[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var token))
            {
                InterleavedWrites++;
                _violations.Add($"TORN line {name}:{lineNumber}: '{line}'");
                continue;
            }

            var (kind, lockId) = (fields[0], fields[3]);
            if (finished.Contains(lockId))
            {
                InterleavedWrites++;
                _violations.Add($"INTERLEAVED {name}:{lineNumber}: {kind} by lock {lockId} (token {token}) after its hold ended or another began");
                continue;
            }

            if (kind == "BEGIN")
            {
                if (open is not null)
                {
                    finished.Add(open); // stopped without END (lease lost, or killed): it must never write again
                }

                if (token <= lastBeginToken)
                {
                    TokenFaults++;
                    _violations.Add($"TOKEN order {name}:{lineNumber}: BEGIN {token} after BEGIN {lastBeginToken}");
                }

                lastBeginToken = token;
                open = lockId;
            }
            else if (lockId != open)
            {
                InterleavedWrites++;
                _violations.Add($"INTERLEAVED {name}:{lineNumber}: {kind} by lock {lockId} (token {token}) inside the hold of {open ?? "nobody"}");
            }
            else if (kind == "END")
            {
                finished.Add(lockId);
                open = null;
            }
        }
    }
}
