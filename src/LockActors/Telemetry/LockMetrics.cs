using System.Diagnostics;
using System.Diagnostics.Metrics;
using LockActors.Messages;
using static LockActors.Telemetry.TelemetryNames;

namespace LockActors.Telemetry;

/// <summary>
/// The <c>LockActors</c> meter and its instruments, with one method per event the lock actors report. Every method
/// checks <see cref="Instrument.Enabled"/> first, so with no listener a call costs a field read; tags go in a
/// <see cref="TagList"/> (no allocation for the few each instrument has). Nothing here blocks or throws into an actor.
/// </summary>
internal static class LockMetrics
{
    /// <summary>Buckets (seconds) for waits and holds: milliseconds for contention in memory, up to ten minutes for long holds.</summary>
    private static readonly double[] LongBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

    /// <summary>Buckets (seconds) for one store round trip: OpenTelemetry's HTTP client buckets, from 0.1 ms.</summary>
    private static readonly double[] StoreBuckets = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    private static readonly Meter Meter = new(LockActorsTelemetry.MeterName, typeof(LockMetrics).Assembly.GetName().Version?.ToString());

    private static readonly Counter<long> Attempts = Meter.CreateCounter<long>(
        Instruments.AcquireAttempts, "{attempt}", "Acquire requests answered, by outcome (granted, denied, timeout, cancelled, error).");

    private static readonly Histogram<double> WaitDuration = Meter.CreateHistogram(
        Instruments.AcquireWaitDuration, "s", "Time from an acquire request reaching its lock actor to its answer, by outcome.",
        tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LongBuckets });

    private static readonly Histogram<double> HoldDuration = Meter.CreateHistogram(
        Instruments.HoldDuration, "s", "Time a lock was held, from its grant to its release or loss.",
        tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LongBuckets });

    private static readonly Counter<long> Heartbeats = Meter.CreateCounter<long>(
        Instruments.Heartbeats, "{heartbeat}", "Renewals of a held lock that the store confirmed.");

    private static readonly Counter<long> HeartbeatFailures = Meter.CreateCounter<long>(
        Instruments.HeartbeatFailures, "{heartbeat}", "Renewals of a held lock that did not land (store error, or the store refused the compare-and-swap).");

    private static readonly Counter<long> Lost = Meter.CreateCounter<long>(
        Instruments.LocksLost, "{lock}", "Locks that ended before their holder released them, by cause.");

    private static readonly Counter<long> StaleTakeovers = Meter.CreateCounter<long>(
        Instruments.StaleTakeovers, "{takeover}", "Stale (or corrupt) sidecars replaced by a new grant's, by compare-and-swap.");

    private static readonly Histogram<double> StoreDuration = Meter.CreateHistogram(
        Instruments.StoreOperationDuration, "s", "Duration of one store primitive, as the lock actors called it.",
        tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = StoreBuckets });

    private static readonly Counter<long> StoreErrors = Meter.CreateCounter<long>(
        Instruments.StoreErrors, "{error}", "Store primitives that failed with an exception, by type.");

    static LockMetrics()
    {
        Meter.CreateObservableUpDownCounter(Instruments.LocksHeld, HeldLockGauge.Observe, "{lock}", "Locks currently held in this process.");
    }

    /// <summary>True when a listener takes store-operation measurements (the store decorator skips all work otherwise).</summary>
    public static bool ObservesStore => StoreDuration.Enabled || StoreErrors.Enabled;

    /// <summary>An acquire answered with a grant.</summary>
    public static void AcquireGranted(string scheme, long queuedAt) => AcquireAnswered(scheme, queuedAt, AcquireOutcomes.Granted, null);

    /// <summary>An acquire answered with <paramref name="error"/> (denied, timed out, cancelled or failed).</summary>
    public static void AcquireFailed(string? scheme, long queuedAt, Exception error) => AcquireAnswered(scheme, queuedAt, OutcomeOf(error), error);

    /// <summary>An acquire withdrawn because its requester is gone: nobody is answered.</summary>
    public static void AcquireAbandoned(string scheme, long queuedAt) => AcquireAnswered(scheme, queuedAt, AcquireOutcomes.Cancelled, null);

    /// <summary>A lock was handed out.</summary>
    public static void HoldStarted(string scheme) => HeldLockGauge.Increment(scheme);

    /// <summary>A held lock ended: released by its holder, or lost (see <see cref="LockLost"/>).</summary>
    public static void HoldEnded(string scheme, long heldSince, LockLossCause? lostBy)
    {
        HeldLockGauge.Decrement(scheme);
        if (HoldDuration.Enabled)
        {
            var tags = new TagList { { Attributes.Scheme, scheme }, { Attributes.HoldOutcome, lostBy is null ? HoldOutcomes.Released : HoldOutcomes.Lost } };
            HoldDuration.Record(Stopwatch.GetElapsedTime(heldSince).TotalSeconds, tags);
        }

        if (lostBy is { } cause && Lost.Enabled)
        {
            Lost.Add(1, new TagList { { Attributes.Scheme, scheme }, { Attributes.LossCause, CauseName(cause) } });
        }
    }

    /// <summary>The store confirmed a renewal.</summary>
    public static void HeartbeatConfirmed(string scheme)
    {
        if (Heartbeats.Enabled)
        {
            Heartbeats.Add(1, new KeyValuePair<string, object?>(Attributes.Scheme, scheme));
        }
    }

    /// <summary>A renewal did not land: <paramref name="error"/>, or refused by the store when null.</summary>
    public static void HeartbeatFailed(string scheme, Exception? error)
    {
        if (HeartbeatFailures.Enabled)
        {
            HeartbeatFailures.Add(1, new TagList { { Attributes.Scheme, scheme }, { Attributes.ErrorType, error is null ? RefusedErrorType : ErrorTypeOf(error) } });
        }
    }

    /// <summary>A stale or corrupt sidecar was replaced by a new grant's.</summary>
    public static void StaleTakeover(string scheme)
    {
        if (StaleTakeovers.Enabled)
        {
            StaleTakeovers.Add(1, new KeyValuePair<string, object?>(Attributes.Scheme, scheme));
        }
    }

    /// <summary>One store primitive finished, successfully when <paramref name="error"/> is null.</summary>
    public static void StoreOperation(string scheme, string primitive, long startedAt, Exception? error)
    {
        var tags = new TagList { { Attributes.Scheme, scheme }, { Attributes.StorePrimitive, primitive } };
        if (error is not null)
        {
            tags.Add(Attributes.ErrorType, ErrorTypeOf(error));
            if (StoreErrors.Enabled)
            {
                StoreErrors.Add(1, tags);
            }
        }

        if (StoreDuration.Enabled)
        {
            StoreDuration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds, tags);
        }
    }

    /// <summary>OpenTelemetry's <c>error.type</c> for an exception: its full type name.</summary>
    public static string ErrorTypeOf(Exception error) => error.GetType().FullName ?? error.GetType().Name;

    /// <summary>How an acquire that failed with <paramref name="error"/> is counted.</summary>
    public static string OutcomeOf(Exception error) => error switch
    {
        LockAlreadyHeldException => AcquireOutcomes.Denied,
        LockAcquireTimeoutException => AcquireOutcomes.Timeout,
        OperationCanceledException => AcquireOutcomes.Cancelled,
        _ => AcquireOutcomes.Error,
    };

    private static void AcquireAnswered(string? scheme, long queuedAt, string outcome, Exception? error)
    {
        if (!Attempts.Enabled && !WaitDuration.Enabled)
        {
            return;
        }

        var tags = new TagList { { Attributes.AcquireOutcome, outcome } };
        if (scheme is not null)
        {
            tags.Add(Attributes.Scheme, scheme);
        }

        if (WaitDuration.Enabled)
        {
            WaitDuration.Record(Stopwatch.GetElapsedTime(queuedAt).TotalSeconds, tags);
        }

        if (outcome == AcquireOutcomes.Error && error is not null)
        {
            tags.Add(Attributes.ErrorType, ErrorTypeOf(error));
        }

        Attempts.Add(1, tags);
    }

    private static string CauseName(LockLossCause cause) => cause switch
    {
        LockLossCause.LeaseExpired => "lease_expired",
        LockLossCause.TakenOver => "taken_over",
        LockLossCause.ActorStopped => "actor_stopped",
        LockLossCause.Shutdown => "shutdown",
        _ => "unspecified",
    };
}
