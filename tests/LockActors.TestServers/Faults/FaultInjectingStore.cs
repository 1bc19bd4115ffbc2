using System.Diagnostics;
using LockActors.Storage;

namespace LockActors.TestServers.Faults;

/// <summary>
/// An <see cref="ILockStore"/> decorator that injects faults per primitive and per call, and records every call on a
/// <see cref="StoreTimeline"/> with monotonic timestamps (sent, applied, replied).
/// </summary>
/// <remarks>
/// Scripted rules are checked in the order they were added; the first that matches the call decides its fault, and a
/// rule with a count is used up after that many calls. For example "the next create: reply 1 s after applying; every
/// later replace: hang" is <c>store.Next(StorePrimitive.Create, StoreFault.DelayAfterApply(1s)).Every(StorePrimitive.Replace, StoreFault.Hang())</c>.
/// When no rule matches, <see cref="RandomFaults"/> (if set) draws one. Hung calls stay hung until their token is
/// cancelled (unless the fault ignores cancellation) or <see cref="ReleaseHungCalls"/> / <see cref="ClearFaults"/> is
/// called, which fails them with <see cref="StoreUnavailableException"/>.
/// </remarks>
public sealed class FaultInjectingStore : ILockStore
{
    private readonly ILockStore _inner;
    private readonly Lock _gate = new();
    private readonly List<Rule> _rules = [];
    private readonly int[] _calls = new int[4];
    private TaskCompletionSource _releaseHung = NewRelease();

    /// <summary>Wraps <paramref name="inner"/>; calls are recorded on <paramref name="timeline"/> (a new one when null) under <paramref name="name"/>.</summary>
    public FaultInjectingStore(ILockStore inner, StoreTimeline? timeline = null, string name = "store")
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        Timeline = timeline ?? new StoreTimeline();
        Name = name;
    }

    /// <summary>Names this decorator's calls on the timeline.</summary>
    public string Name { get; }

    /// <summary>Where the calls are recorded.</summary>
    public StoreTimeline Timeline { get; }

    /// <summary>Random faults used for calls that no scripted rule matches; null = none.</summary>
    public RandomStoreFaults? RandomFaults { get; set; }

    /// <summary>Replaces the inner store's declared capabilities (null = the inner store's).</summary>
    public StoreCapabilities? CapabilitiesOverride { get; set; }

    /// <summary>When false, the inner store is not disposed with this decorator (it is shared).</summary>
    public bool OwnsInner { get; init; }

    /// <inheritdoc />
    public StoreCapabilities Capabilities => CapabilitiesOverride ?? _inner.Capabilities;

    /// <summary>Calls of <paramref name="primitive"/> since the last <see cref="ResetCounts"/>.</summary>
    public int Calls(StorePrimitive primitive) => Volatile.Read(ref _calls[(int)primitive]);

    /// <summary>Sets every call counter to zero.</summary>
    public void ResetCounts()
    {
        for (var i = 0; i < _calls.Length; i++)
        {
            Interlocked.Exchange(ref _calls[i], 0);
        }
    }

    /// <summary>The next call of <paramref name="primitive"/> (on a key matching <paramref name="where"/>) gets <paramref name="fault"/>.</summary>
    public FaultInjectingStore Next(StorePrimitive primitive, StoreFault fault, Func<SidecarKey, bool>? where = null) => Add(primitive, fault, 1, where);

    /// <summary>The next <paramref name="count"/> calls of <paramref name="primitive"/> get <paramref name="fault"/>.</summary>
    public FaultInjectingStore Next(int count, StorePrimitive primitive, StoreFault fault, Func<SidecarKey, bool>? where = null) => Add(primitive, fault, count, where);

    /// <summary>Every later call of <paramref name="primitive"/> (not taken by an earlier rule) gets <paramref name="fault"/>.</summary>
    public FaultInjectingStore Every(StorePrimitive primitive, StoreFault fault, Func<SidecarKey, bool>? where = null) => Add(primitive, fault, int.MaxValue, where);

    /// <summary>Every later call of any primitive gets <paramref name="fault"/> (a store that is down, or hangs).</summary>
    public FaultInjectingStore EveryCall(StoreFault fault, Func<SidecarKey, bool>? where = null) => Add(null, fault, int.MaxValue, where);

    /// <summary>Removes every rule and the random faults, and fails every hung call (unapplied ones stay unapplied).</summary>
    public void ClearFaults()
    {
        lock (_gate)
        {
            _rules.Clear();
            RandomFaults = null;
        }

        ReleaseHungCalls();
    }

    /// <summary>Fails every call hung so far with <see cref="StoreUnavailableException"/>; rules stay in force.</summary>
    public void ReleaseHungCalls() => Interlocked.Exchange(ref _releaseHung, NewRelease()).TrySetResult();

    /// <inheritdoc />
    public Task<SidecarVersion?> TryCreateAsync(SidecarKey key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) =>
        Run(StorePrimitive.Create, key, ct => _inner.TryCreateAsync(key, content, ct), v => (v is null ? "exists" : "created", v?.Value), cancellationToken);

    /// <inheritdoc />
    public Task<SidecarSnapshot?> ReadAsync(SidecarKey key, CancellationToken cancellationToken = default) =>
        Run(StorePrimitive.Read, key, ct => _inner.ReadAsync(key, ct), s => (s is null ? "absent" : "found", s?.Version.Value), cancellationToken);

    /// <inheritdoc />
    public Task<SidecarVersion?> TryReplaceAsync(SidecarKey key, ReadOnlyMemory<byte> content, SidecarVersion expected, CancellationToken cancellationToken = default) =>
        Run(StorePrimitive.Replace, key, ct => _inner.TryReplaceAsync(key, content, expected, ct), v => (v is null ? "mismatch" : "replaced", v?.Value), cancellationToken);

    /// <inheritdoc />
    public Task<bool> TryDeleteAsync(SidecarKey key, SidecarVersion expected, CancellationToken cancellationToken = default) =>
        Run(StorePrimitive.Delete, key, ct => _inner.TryDeleteAsync(key, expected, ct), ok => (ok ? "deleted" : "not-deleted", expected.Value), cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        ReleaseHungCalls();
        if (OwnsInner)
        {
            await _inner.DisposeAsync().ConfigureAwait(false);
        }
    }

    private FaultInjectingStore Add(StorePrimitive? primitive, StoreFault fault, int count, Func<SidecarKey, bool>? where)
    {
        ArgumentNullException.ThrowIfNull(fault);
        lock (_gate)
        {
            _rules.Add(new Rule(primitive, fault, count, where));
        }

        return this;
    }

    private StoreFault Choose(StorePrimitive primitive, SidecarKey key)
    {
        lock (_gate)
        {
            foreach (var rule in _rules)
            {
                if (rule.Remaining > 0 && (rule.Primitive is null || rule.Primitive == primitive) && (rule.Where is null || rule.Where(key)))
                {
                    if (rule.Remaining != int.MaxValue)
                    {
                        rule.Remaining--;
                    }

                    return rule.Fault;
                }
            }

            return RandomFaults?.Draw(primitive) ?? StoreFault.None;
        }
    }

    private async Task<T> Run<T>(StorePrimitive primitive, SidecarKey key, Func<CancellationToken, Task<T>> apply, Func<T, (string Outcome, string? Version)> describe, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls[(int)primitive]);
        var callId = Timeline.NextCallId();
        var started = Stopwatch.GetTimestamp();
        var startedAt = DateTimeOffset.UtcNow;
        var fault = Choose(primitive, key);
        var release = Volatile.Read(ref _releaseHung).Task;
        Timeline.Record(Name, callId, primitive, key, StoreEventKind.Called, fault.Action == FaultAction.None ? "-" : fault.ToString(), started, startedAt);
        var token = fault.IgnoresCancellation ? CancellationToken.None : cancellationToken;
        try
        {
            switch (fault.Action)
            {
                case FaultAction.FailBeforeApply:
                    throw new StoreUnavailableException($"injected: {primitive} failed before applying");
                case FaultAction.Hang:
                    Timeline.Record(Name, callId, primitive, key, StoreEventKind.Hung, "before apply", started, startedAt);
                    await HangAsync(release, token).ConfigureAwait(false);
                    throw new StoreUnavailableException($"injected: hung {primitive} released without applying");
                case FaultAction.DelayBeforeApply:
                    await Task.Delay(fault.Delay, token).ConfigureAwait(false);
                    break;
            }

            // The inner call gets no token once we are past the injected wait: an applied write is applied.
            var result = await apply(CancellationToken.None).ConfigureAwait(false);
            var (outcome, version) = describe(result);
            Timeline.Record(Name, callId, primitive, key, StoreEventKind.Applied, outcome, started, startedAt, version);
            switch (fault.Action)
            {
                case FaultAction.DelayAfterApply:
                    await Task.Delay(fault.Delay, token).ConfigureAwait(false);
                    break;
                case FaultAction.ApplyThenFail:
                    throw new StoreUnavailableException($"injected: {primitive} applied, reply lost");
                case FaultAction.ApplyThenHang:
                    Timeline.Record(Name, callId, primitive, key, StoreEventKind.Hung, "after apply", started, startedAt);
                    await HangAsync(release, token).ConfigureAwait(false);
                    throw new StoreUnavailableException($"injected: {primitive} applied, hung reply released");
            }

            Timeline.Record(Name, callId, primitive, key, StoreEventKind.Replied, outcome, started, startedAt, version);
            return result;
        }
        catch (Exception e)
        {
            Timeline.Record(Name, callId, primitive, key, StoreEventKind.Failed, e.GetType().Name + ": " + e.Message, started, startedAt);
            throw;
        }
    }

    private static async Task HangAsync(Task release, CancellationToken token) =>
        await release.WaitAsync(token).ConfigureAwait(false);

    private static TaskCompletionSource NewRelease() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed class Rule(StorePrimitive? primitive, StoreFault fault, int remaining, Func<SidecarKey, bool>? where)
    {
        public StorePrimitive? Primitive { get; } = primitive;

        public StoreFault Fault { get; } = fault;

        public int Remaining { get; set; } = remaining;

        public Func<SidecarKey, bool>? Where { get; } = where;
    }
}
