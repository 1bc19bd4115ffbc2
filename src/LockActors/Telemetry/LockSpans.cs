using System.Diagnostics;
using LockActors.Messages;
using static LockActors.Telemetry.TelemetryNames;

namespace LockActors.Telemetry;

/// <summary>
/// The <c>LockActors</c> activity source and its three spans. Acquire and release are timed on the caller's side
/// (<c>LockClient</c>, <c>LockHandle</c>), so they nest under the caller's own span and cover everything the caller
/// waited for; the takeover span is recorded by the lock actor, under the acquire that caused it.
/// </summary>
internal static class LockSpans
{
    private static readonly ActivitySource Source = new(LockActorsTelemetry.ActivitySourceName, typeof(LockSpans).Assembly.GetName().Version?.ToString());

    /// <summary>Starts an acquire span (the caller's current span is its parent); null when nobody listens.</summary>
    public static Activity? StartAcquire(string target)
    {
        var span = Source.StartActivity(Spans.Acquire, ActivityKind.Internal);
        span?.SetTag(Attributes.Target, target);
        return span;
    }

    /// <summary>Starts a release span for the lock <paramref name="grant"/> gave; null when nobody listens.</summary>
    public static Activity? StartRelease(LockGranted grant)
    {
        var span = Source.StartActivity(Spans.Release, ActivityKind.Internal);
        if (span is not null)
        {
            Describe(span, grant);
        }

        return span;
    }

    /// <summary>Ends an acquire span with its grant.</summary>
    public static void Granted(Activity? span, LockGranted grant)
    {
        if (span is null)
        {
            return;
        }

        Describe(span, grant);
        span.SetTag(Attributes.AcquireOutcome, AcquireOutcomes.Granted);
        span.Stop();
    }

    /// <summary>
    /// Ends an acquire span that failed: its outcome, and error status for timeouts and errors (a denial or a
    /// cancellation is an answer the caller asked for, not a failure of the lock service).
    /// </summary>
    public static void AcquireFailed(Activity? span, Exception error)
    {
        if (span is null)
        {
            return;
        }

        var outcome = LockMetrics.OutcomeOf(error);
        span.SetTag(Attributes.AcquireOutcome, outcome);
        if (outcome is AcquireOutcomes.Timeout or AcquireOutcomes.Error)
        {
            MarkFailed(span, error);
        }

        span.Stop();
    }

    /// <summary>Ends a span whose operation failed with <paramref name="error"/>.</summary>
    public static void Failed(Activity? span, Exception error)
    {
        if (span is not null)
        {
            MarkFailed(span, error);
            span.Stop();
        }
    }

    /// <summary>
    /// Records a finished takeover of a stale sidecar: the compare-and-swap sent at <paramref name="sentAt"/> (monotonic)
    /// that installs <paramref name="token"/>. Recorded after the fact by the actor, which never leaves a span current on
    /// its dispatcher thread.
    /// </summary>
    public static void Takeover(ActivityContext parent, string target, string scheme, long token, long sentAt, string outcome, Exception? error)
    {
        if (!Source.HasListeners())
        {
            return;
        }

        var previous = Activity.Current;
        try
        {
            var started = DateTimeOffset.UtcNow - Stopwatch.GetElapsedTime(sentAt);
            using var span = Source.StartActivity(Spans.Takeover, ActivityKind.Internal, parent, startTime: started);
            if (span is null)
            {
                return;
            }

            span.SetTag(Attributes.Target, target);
            span.SetTag(Attributes.Scheme, scheme);
            span.SetTag(Attributes.FencingToken, token);
            span.SetTag(Attributes.TakeoverOutcome, outcome);
            if (error is not null)
            {
                MarkFailed(span, error);
            }
        }
        finally
        {
            Activity.Current = previous;
        }
    }

    /// <summary>Error status, OpenTelemetry's <c>error.type</c> and an exception event.</summary>
    private static void MarkFailed(Activity span, Exception error)
    {
        span.SetStatus(ActivityStatusCode.Error, error.Message);
        span.SetTag(Attributes.ErrorType, LockMetrics.ErrorTypeOf(error));
        span.AddException(error);
    }

    private static void Describe(Activity span, LockGranted grant)
    {
        span.SetTag(Attributes.Target, grant.Target);
        span.SetTag(Attributes.Scheme, SchemeOf(grant.Target));
        span.SetTag(Attributes.LockId, grant.LockId);
        span.SetTag(Attributes.FencingToken, grant.FencingToken);
    }

    private static string SchemeOf(string normalizedTarget)
    {
        var colon = normalizedTarget.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 ? normalizedTarget[..colon] : string.Empty;
    }
}
