namespace LockActors.Configuration;

/// <summary>How fencing tokens are kept increasing across a release (<c>lock-actors.fencing</c>).</summary>
public enum FencingMode
{
    /// <summary>
    /// <c>hybrid-clock</c> (default): a release deletes the sidecar (one request per acquire and per release). Tokens are
    /// strictly increasing across takeovers, hand-overs and renewals on every backend; after a release, the next grant
    /// draws at least its host's clock in microseconds, so it is greater as long as host clocks do not step back by more
    /// than the time between the two grants.
    /// </summary>
    HybridClock,

    /// <summary>
    /// <c>strict</c>: a release leaves a small tombstone sidecar that keeps the last token; the next grant replaces it by
    /// compare-and-swap with a greater token. Strictly increasing with no clock assumption, as long as nobody deletes
    /// sidecars by hand. Costs an acquire over a tombstone three requests (create refused, read, replace) instead of one.
    /// </summary>
    Strict,
}
