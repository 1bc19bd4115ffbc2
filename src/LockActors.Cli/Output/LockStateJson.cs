using System.Text.Encodings.Web;
using System.Text.Json;
using LockActors.Cli.Inspection;

namespace LockActors.Cli.Output;

/// <summary>The <c>--json</c> form of a <see cref="LockState"/>: every field always present (null when unknown), durations in seconds.</summary>
internal sealed record LockStateJson(
    string Target,
    string Status,
    bool Stale,
    string? LockId,
    string? Owner,
    string? Host,
    int? Pid,
    DateTimeOffset? CreatedAt,
    DateTimeOffset? HeartbeatAt,
    double? AgeSeconds,
    double? TtlSeconds,
    double? StaleAfterSeconds,
    double? StaleInSeconds,
    long? FencingToken,
    string? Version,
    DateTimeOffset? ModifiedAt,
    DateTimeOffset? StoreNow,
    string? Corruption)
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonSerializerOptions Indented = new(Options) { WriteIndented = true };

    /// <summary>The JSON view of <paramref name="state"/>.</summary>
    public static LockStateJson Of(LockState state)
    {
        var holder = state.IsFree ? null : state.Holder;
        var snapshot = state.IsFree ? null : state.Snapshot;
        return new LockStateJson(
            state.Target.Normalized,
            state.Status,
            state.IsStale,
            holder?.LockId,
            holder?.OwnerId,
            holder?.Hostname,
            holder?.ProcessId,
            holder?.CreatedAt,
            holder?.HeartbeatAt,
            Seconds(state.Age),
            state.IsFree ? null : Seconds(state.Ttl),
            state.IsFree ? null : Seconds(state.StaleAfter),
            Seconds(state.StaleIn),
            state.IsFree ? state.Holder?.FencingToken : holder?.FencingToken,
            snapshot?.Version.Value,
            snapshot?.ModifiedAt,
            snapshot?.StoreNow,
            state.IsFree ? null : state.Corruption);
    }

    /// <summary>One state as indented JSON.</summary>
    public static string Render(LockState state) => JsonSerializer.Serialize(Of(state), Indented);

    /// <summary>Several states as an indented JSON array.</summary>
    public static string Render(IEnumerable<LockState> states) => JsonSerializer.Serialize(states.Select(Of).ToArray(), Indented);

    /// <summary>Any value on one line (watch's newline-delimited JSON).</summary>
    public static string Line<T>(T value) => JsonSerializer.Serialize(value, Options);

    private static double? Seconds(TimeSpan? value) => value is { } v ? Math.Round(v.TotalSeconds, 3) : null;
}
