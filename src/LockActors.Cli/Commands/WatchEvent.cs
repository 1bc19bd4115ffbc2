using System.Globalization;
using LockActors.Cli.Inspection;
using LockActors.Cli.Output;

namespace LockActors.Cli.Commands;

/// <summary>One change seen by <c>lockctl watch</c>, between two reads of a target's sidecar.</summary>
/// <param name="At">When it was seen (this host's clock).</param>
/// <param name="Change">What changed: <c>held</c> (initial state), <c>acquired</c>, <c>renewed</c>, <c>taken-over</c>, <c>stale</c>, <c>released</c>, <c>changed</c>.</param>
/// <param name="State">The state after the change.</param>
internal sealed record WatchEvent(DateTimeOffset At, string Change, LockState State)
{
    /// <summary>The change between <paramref name="before"/> and <paramref name="after"/>, or null when nothing changed.</summary>
    public static string? Between(LockState? before, LockState after)
    {
        var was = before is { IsFree: false } ? before : null;
        return (was, after.IsFree) switch
        {
            (null, true) => null,
            (not null, true) => "released",
            (null, false) => "acquired",
            _ when was.Snapshot!.Version != after.Snapshot!.Version =>
                was.Holder?.LockId is { } id && id == after.Holder?.LockId ? "renewed"
                : was.Holder is null || after.Holder is null ? "changed"
                : "taken-over",
            _ when !was.IsStale && after.IsStale => "stale",
            _ => null,
        };
    }

    /// <summary>One line of text.</summary>
    public string Text()
    {
        var detail = State.IsFree ? string.Empty : "  " + (State.Holder is { } h
            ? $"owner={h.OwnerId} host={h.Hostname} pid={h.ProcessId} fencing={h.FencingToken.ToString(CultureInfo.InvariantCulture)} ttl={Durations.Format(State.Ttl)}"
            : $"corrupt: {State.Corruption}");
        return $"{At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)}  {Change,-10}  {State.Target}{detail}";
    }

    /// <summary>One line of JSON: the change, its time and the state's JSON fields.</summary>
    public string Json() => LockStateJson.Line(new { at = At, change = Change, state = LockStateJson.Of(State) });
}
