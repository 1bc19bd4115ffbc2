using System.Diagnostics;
using System.Globalization;
using System.Text;
using LockActors.Storage;

namespace LockActors.TestServers.Faults;

/// <summary>What happened to one store call at one moment.</summary>
public enum StoreEventKind
{
    /// <summary>The caller invoked the primitive (the request was sent).</summary>
    Called,

    /// <summary>The inner store executed it (for a write: it is now visible, or it was refused — see the outcome).</summary>
    Applied,

    /// <summary>The caller got its result.</summary>
    Replied,

    /// <summary>The caller got an exception (injected or from the inner store).</summary>
    Failed,

    /// <summary>The call will not reply (hung) until released or cancelled.</summary>
    Hung,
}

/// <summary>
/// One entry of a <see cref="StoreTimeline"/>. <see cref="Timestamp"/> and <see cref="CallStarted"/> are
/// <see cref="Stopwatch.GetTimestamp"/> values (monotonic), comparable with <c>LockLease</c> deadlines.
/// </summary>
/// <param name="Sequence">Global order of recording.</param>
/// <param name="Store">Name of the decorator that saw the call (one per actor system in the tests).</param>
/// <param name="CallId">Correlates the events of one call.</param>
/// <param name="Primitive">Which primitive.</param>
/// <param name="Key">The sidecar.</param>
/// <param name="Kind">What happened.</param>
/// <param name="Outcome">For <see cref="StoreEventKind.Applied"/>: <c>created</c>, <c>exists</c>, <c>replaced</c>, <c>mismatch</c>, <c>deleted</c>, <c>not-deleted</c>, <c>found</c>, <c>absent</c>; otherwise the fault or error.</param>
/// <param name="Timestamp">When it happened (monotonic).</param>
/// <param name="CallStarted">When the call was made (monotonic): the send time of the request.</param>
/// <param name="CallStartedAt">When the call was made (wall clock, for comparing with metadata).</param>
/// <param name="Version">The version written or read, when there is one.</param>
public sealed record StoreEvent(
    long Sequence,
    string Store,
    long CallId,
    StorePrimitive Primitive,
    string Key,
    StoreEventKind Kind,
    string Outcome,
    long Timestamp,
    long CallStarted,
    DateTimeOffset CallStartedAt,
    string? Version)
{
    /// <summary>True for an applied write that changed the sidecar.</summary>
    public bool IsSuccessfulWrite => Kind == StoreEventKind.Applied && Outcome is "created" or "replaced" or "deleted";

    /// <summary>True for a <paramref name="kind"/> event of a <paramref name="primitive"/> call on the sidecar <paramref name="key"/>.</summary>
    public bool Is(string key, StorePrimitive primitive, StoreEventKind kind) => Key == key && Primitive == primitive && Kind == kind;

    /// <inheritdoc />
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"#{Sequence} {StoreTimeline.Format(Timestamp)} {Store} call {CallId} {Primitive} {Kind} {Outcome}{(Version is null ? string.Empty : " v" + Version)} {Key}");
}

/// <summary>
/// The ordered record of store calls seen by one or more <see cref="FaultInjectingStore"/>s (share one timeline
/// between the decorators of several actor systems to see their calls interleaved). Thread-safe.
/// </summary>
public sealed class StoreTimeline
{
    private static readonly long Origin = Stopwatch.GetTimestamp();
    private readonly Lock _gate = new();
    private readonly List<StoreEvent> _events = [];
    private readonly List<(Func<StoreEvent, bool> Match, TaskCompletionSource<StoreEvent> Done)> _waiters = [];
    private long _sequence;
    private long _callIds;

    /// <summary>Every event so far, in recording order.</summary>
    public IReadOnlyList<StoreEvent> Events
    {
        get
        {
            lock (_gate)
            {
                return _events.ToArray();
            }
        }
    }

    /// <summary>Formats a monotonic timestamp as milliseconds since the process's first timeline.</summary>
    public static string Format(long timestamp) =>
        Stopwatch.GetElapsedTime(Origin, timestamp).TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture) + "ms";

    /// <summary>Events matching <paramref name="match"/>, in order.</summary>
    public IReadOnlyList<StoreEvent> Where(Func<StoreEvent, bool> match)
    {
        lock (_gate)
        {
            return _events.Where(match).ToArray();
        }
    }

    /// <summary>Completes with the first event (already recorded or future) that matches.</summary>
    public Task<StoreEvent> WaitForAsync(Func<StoreEvent, bool> match, TimeSpan timeout)
    {
        lock (_gate)
        {
            var found = _events.FirstOrDefault(match);
            if (found is not null)
            {
                return Task.FromResult(found);
            }

            var done = new TaskCompletionSource<StoreEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, done));
            return done.Task.WaitAsync(timeout);
        }
    }

    /// <summary>The whole timeline, one event per line (for test output).</summary>
    public string Dump(Func<StoreEvent, bool>? match = null)
    {
        var text = new StringBuilder();
        foreach (var e in Where(match ?? (_ => true)))
        {
            text.AppendLine(e.ToString());
        }

        return text.ToString();
    }

    internal long NextCallId() => Interlocked.Increment(ref _callIds);

    internal StoreEvent Record(string store, long callId, StorePrimitive primitive, SidecarKey key, StoreEventKind kind, string outcome, long callStarted, DateTimeOffset callStartedAt, string? version = null)
    {
        List<TaskCompletionSource<StoreEvent>>? fire = null;
        StoreEvent e;
        lock (_gate)
        {
            e = new StoreEvent(++_sequence, store, callId, primitive, key.ToString(), kind, outcome, Stopwatch.GetTimestamp(), callStarted, callStartedAt, version);
            _events.Add(e);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(e))
                {
                    (fire ??= []).Add(_waiters[i].Done);
                    _waiters.RemoveAt(i);
                }
            }
        }

        fire?.ForEach(done => done.TrySetResult(e));
        return e;
    }
}
