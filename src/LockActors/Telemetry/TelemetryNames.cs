namespace LockActors.Telemetry;

/// <summary>
/// Instrument, span and attribute names, in OpenTelemetry semantic-convention style: dotted lower case, the library's
/// own attributes under <c>lockactors.</c>, the conventions' own (<c>url.scheme</c>, <c>error.type</c>) where they fit.
/// The README's "Metrics and traces" table must match these.
/// </summary>
internal static class TelemetryNames
{
    /// <summary>Instrument names.</summary>
    public static class Instruments
    {
        public const string AcquireAttempts = "lockactors.acquire.attempts";
        public const string AcquireWaitDuration = "lockactors.acquire.wait.duration";
        public const string HoldDuration = "lockactors.lock.hold.duration";
        public const string LocksHeld = "lockactors.locks.held";
        public const string Heartbeats = "lockactors.heartbeats";
        public const string HeartbeatFailures = "lockactors.heartbeat.failures";
        public const string LocksLost = "lockactors.locks.lost";
        public const string StaleTakeovers = "lockactors.stale.takeovers";
        public const string StoreOperationDuration = "lockactors.store.operation.duration";
        public const string StoreErrors = "lockactors.store.errors";
    }

    /// <summary>Span names.</summary>
    public static class Spans
    {
        public const string Acquire = "lockactors.acquire";
        public const string Release = "lockactors.release";
        public const string Takeover = "lockactors.takeover";
    }

    /// <summary>Attribute (tag) names.</summary>
    public static class Attributes
    {
        /// <summary>The target's URI scheme (<c>file</c>, <c>s3</c>…): OpenTelemetry's <c>url.scheme</c>.</summary>
        public const string Scheme = "url.scheme";

        /// <summary>OpenTelemetry's <c>error.type</c>: the exception's full type name, or a short reason such as <c>refused</c>.</summary>
        public const string ErrorType = "error.type";

        public const string AcquireOutcome = "lockactors.acquire.outcome";
        public const string HoldOutcome = "lockactors.lock.outcome";
        public const string LossCause = "lockactors.loss.cause";
        public const string StorePrimitive = "lockactors.store.primitive";
        public const string TakeoverOutcome = "lockactors.takeover.outcome";
        public const string Target = "lockactors.target";
        public const string LockId = "lockactors.lock_id";
        public const string FencingToken = "lockactors.fencing_token";
    }

    /// <summary>Values of <see cref="Attributes.AcquireOutcome"/>.</summary>
    public static class AcquireOutcomes
    {
        public const string Granted = "granted";
        public const string Denied = "denied";
        public const string Timeout = "timeout";
        public const string Cancelled = "cancelled";
        public const string Error = "error";
    }

    /// <summary>Values of <see cref="Attributes.HoldOutcome"/>.</summary>
    public static class HoldOutcomes
    {
        public const string Released = "released";
        public const string Lost = "lost";
    }

    /// <summary>Values of <see cref="Attributes.TakeoverOutcome"/>.</summary>
    public static class TakeoverOutcomes
    {
        public const string Taken = "taken";
        public const string Refused = "refused";
        public const string Error = "error";
    }

    /// <summary>Values of <see cref="Attributes.StorePrimitive"/>.</summary>
    public static class StorePrimitives
    {
        public const string Prepare = "prepare";
        public const string TryCreate = "try_create";
        public const string Read = "read";
        public const string TryReplace = "try_replace";
        public const string TryDelete = "try_delete";
    }

    /// <summary><see cref="Attributes.ErrorType"/> of a renewal the store refused (its compare-and-swap found another version).</summary>
    public const string RefusedErrorType = "refused";
}
