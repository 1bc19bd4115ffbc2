using System.Globalization;
using LockActors.Cli.Inspection;

namespace LockActors.Cli.Output;

/// <summary>The human forms of a <see cref="LockState"/>: the <c>info</c> block, the <c>list</c> table, one-line summaries.</summary>
internal static class LockStateText
{
    /// <summary>The <c>info</c> block: one "name  value" line per field.</summary>
    public static string Block(LockState state)
    {
        var lines = new List<(string, string)> { ("target", state.Target.Normalized), ("status", state.Status) };
        if (state.IsFree)
        {
            if (state.Released && state.Holder is { } last)
            {
                lines.Add(("fencing", Token(last.FencingToken) + " (last token, kept by the release)"));
            }

            return Render(lines);
        }

        var snapshot = state.Snapshot!;
        if (state.Holder is { } holder)
        {
            lines.Add(("lock id", holder.LockId));
            lines.Add(("owner", holder.OwnerId));
            lines.Add(("host", holder.Hostname));
            lines.Add(("pid", holder.ProcessId.ToString(CultureInfo.InvariantCulture)));
            lines.Add(("created", Time(holder.CreatedAt) + " (holder's clock)"));
            lines.Add(("heartbeat", Time(holder.HeartbeatAt) + " (holder's clock)"));
        }
        else
        {
            lines.Add(("corrupt", state.Corruption ?? "unreadable"));
        }

        lines.Add(("age", Durations.Format(snapshot.Age) + " since the last write (store clock)"));
        lines.Add(("ttl", Durations.Format(state.Ttl) + (state.Holder is null ? " (configured default; the sidecar gives none)" : string.Empty)));
        lines.Add(("stale", Stale(state)));
        if (state.Holder is { } h)
        {
            lines.Add(("fencing", Token(h.FencingToken)));
        }

        lines.Add(("version", snapshot.Version.Value));
        return Render(lines);
    }

    /// <summary>The <c>list</c> table.</summary>
    public static string Table(IReadOnlyList<LockState> states)
    {
        var rows = new List<string[]> { new[] { "STATUS", "AGE", "TTL", "FENCING", "OWNER", "TARGET" } };
        rows.AddRange(states.Select(s => new[]
        {
            s.Status,
            s.Age is { } age ? Durations.Format(age) : "-",
            s.IsFree ? "-" : Durations.Format(s.Ttl),
            s.Holder is { } h && !s.IsFree ? Token(h.FencingToken) : "-",
            s.IsFree ? "-" : s.Holder?.OwnerId ?? "-",
            s.Target.Normalized,
        }));
        var widths = Enumerable.Range(0, rows[0].Length - 1).Select(c => rows.Max(r => r[c].Length)).ToArray();
        return string.Join('\n', rows.Select(r => string.Join("  ", r.Select((cell, c) => c < widths.Length ? cell.PadRight(widths[c]) : cell))));
    }

    /// <summary>"owner (host pid N), fencing T, age A, ttl T": who holds it, in one line.</summary>
    public static string Holder(LockState state) => state.Holder is { } h && !state.IsFree
        ? $"lock {h.LockId} of {h.OwnerId} (host {h.Hostname}, pid {h.ProcessId}), fencing token {Token(h.FencingToken)}, last written {Durations.Format(state.Age!.Value)} ago, TTL {Durations.Format(state.Ttl)}"
        : state.IsFree ? "nobody" : $"a corrupt sidecar ({state.Corruption}), last written {Durations.Format(state.Age!.Value)} ago";

    /// <summary>The staleness verdict.</summary>
    public static string Stale(LockState state) => state switch
    {
        { IsFree: true } => "-",
        { StaleAfter: null } => "never (TTL 0)",
        { IsStale: true } => $"yes (no write for {Durations.Format(state.Age!.Value)}, stale after {Durations.Format(state.StaleAfter.Value)})",
        _ => $"no (stale in {Durations.Format(state.StaleIn!.Value)} unless renewed; stale after {Durations.Format(state.StaleAfter.Value)})",
    };

    private static string Token(long token) => token.ToString(CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string Render(List<(string Name, string Value)> lines)
    {
        var width = lines.Max(l => l.Name.Length) + 2;
        return string.Join('\n', lines.Select(l => l.Name.PadRight(width) + l.Value));
    }
}
