namespace LockActors.TestServers.Gcs;

/// <summary>When an injected fault replaces the real reply.</summary>
public enum GcsFaultTiming
{
    /// <summary>The request is rejected before it touches any state (the write did not happen).</summary>
    BeforeApply,

    /// <summary>The request is applied, then its reply is replaced by the fault (the client cannot know it happened).</summary>
    AfterApply,
}

/// <summary>
/// Fault injection for the emulator. Thread-safe. A status code of 0 drops the connection without a reply.
/// Faults match object and bucket API requests, optionally only one HTTP method.
/// </summary>
public sealed class GcsEmulatorFaults
{
    private readonly Lock _gate = new();
    private int _failNext;
    private int _failNextStatus;
    private GcsFaultTiming _failNextTiming;
    private string? _failNextMethod;
    private int _every;
    private int _everyStatus;
    private GcsFaultTiming _everyTiming;
    private long _seen;
    private readonly List<(TimeSpan Delay, string? Method)> _delays = [];

    /// <summary>The next <paramref name="count"/> matching requests fail with <paramref name="statusCode"/>.</summary>
    public void FailNext(int count, int statusCode = 503, GcsFaultTiming timing = GcsFaultTiming.BeforeApply, string? method = null)
    {
        lock (_gate)
        {
            (_failNext, _failNextStatus, _failNextTiming, _failNextMethod) = (count, statusCode, timing, method);
        }
    }

    /// <summary>Every <paramref name="k"/>-th request fails with <paramref name="statusCode"/> (k = 0 turns it off).</summary>
    public void FailEvery(int k, int statusCode = 503, GcsFaultTiming timing = GcsFaultTiming.BeforeApply)
    {
        lock (_gate)
        {
            (_every, _everyStatus, _everyTiming, _seen) = (k, statusCode, timing, 0);
        }
    }

    /// <summary>
    /// The next <paramref name="count"/> matching requests (optionally only <paramref name="method"/>) wait
    /// <paramref name="delay"/> before they touch any state (to force client timeouts and late arrivals). Calls queue up:
    /// <c>DelayNext(1, a, "POST"); DelayNext(1, b, "POST")</c> delays the next POST by a and the one after by b.
    /// </summary>
    public void DelayNext(int count, TimeSpan delay, string? method = null)
    {
        lock (_gate)
        {
            _delays.AddRange(Enumerable.Repeat((delay, method), count));
        }
    }

    /// <summary>Removes every injected fault.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _failNext = 0;
            _every = 0;
            _delays.Clear();
        }
    }

    /// <summary>Decides the fault (if any) for one request.</summary>
    internal InjectedFault Next(string method)
    {
        lock (_gate)
        {
            var delay = TimeSpan.Zero;
            var queued = _delays.FindIndex(d => d.Method is null || string.Equals(d.Method, method, StringComparison.OrdinalIgnoreCase));
            if (queued >= 0)
            {
                delay = _delays[queued].Delay;
                _delays.RemoveAt(queued);
            }

            if (_failNext > 0 && (_failNextMethod is null || string.Equals(_failNextMethod, method, StringComparison.OrdinalIgnoreCase)))
            {
                _failNext--;
                return new InjectedFault(_failNextStatus, _failNextTiming, delay);
            }

            if (_every > 0 && ++_seen % _every == 0)
            {
                return new InjectedFault(_everyStatus, _everyTiming, delay);
            }

            return new InjectedFault(null, GcsFaultTiming.BeforeApply, delay);
        }
    }
}

/// <summary>The fault decided for one request: an optional failure status (0 = drop the connection) and a delay.</summary>
internal readonly record struct InjectedFault(int? StatusCode, GcsFaultTiming Timing, TimeSpan Delay);
