namespace LockActors.Actors;

/// <summary>
/// Draws fencing tokens so that no caller holds a token the store does not already guarantee against (rule 9).
/// <list type="bullet">
/// <item>A takeover or hand-over draws its token before its compare-and-swap and hands out exactly what it wrote.</item>
/// <item>A create writes a token <c>L</c> drawn before it is sent, and hands out <c>F = L + µs from send to reply</c>,
/// so that <c>F</c> is about the clock at the win, above every grant released before it (hybrid-clock mode). Since a
/// grant is never handed out after its lease, <c>F &lt; L + ttl</c>.</item>
/// <item>So every reader treats a sidecar's token <c>T</c> as covering up to <c>T + ttl</c> (<see cref="CoveredBy"/>):
/// a takeover of a holder that crashed before its first renewal (which writes <c>F</c>) still draws above <c>F</c>,
/// from the store's content alone.</item>
/// </list>
/// Tokens are at least a process-monotonic clock in microseconds; they saturate at <see cref="long.MaxValue"/> and never wrap.
/// </summary>
internal static class FencingTokens
{
    // Only clock-derived tokens advance this: a hostile sidecar carrying a huge token raises that target's tokens, never
    // every other target's in the process.
    private static long s_lastClockToken;

    /// <summary>
    /// The next token for a target whose highest known token is <paramref name="lastSeenForTarget"/>, or null when
    /// no greater token exists (<see cref="long.MaxValue"/> was seen): tokens saturate, they never wrap.
    /// </summary>
    public static long? Next(long lastSeenForTarget) => Next(lastSeenForTarget, NextClockToken());

    /// <summary>The pure rule: strictly above what the target has seen, and at least the clock token.</summary>
    public static long? Next(long lastSeenForTarget, long clockToken)
    {
        if (lastSeenForTarget == long.MaxValue)
        {
            return null;
        }

        return Math.Max(lastSeenForTarget + 1, clockToken);
    }

    /// <summary>The highest token a holder may have been handed for a sidecar carrying <paramref name="token"/> and <paramref name="ttl"/>.</summary>
    public static long CoveredBy(long token, TimeSpan ttl) => SaturatingAdd(token, ttl.Ticks / 10);

    /// <summary>The token handed out for a create that wrote <paramref name="written"/> and was confirmed <paramref name="sendToReply"/> later.</summary>
    public static long AfterCreate(long written, TimeSpan sendToReply) => SaturatingAdd(written, Math.Max(0, sendToReply.Ticks / 10));

    private static long SaturatingAdd(long a, long b) => b > 0 && a > long.MaxValue - b ? long.MaxValue : a + b;

    private static long NextClockToken()
    {
        while (true)
        {
            var last = Volatile.Read(ref s_lastClockToken);
            var micros = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;
            var next = Math.Max(last + 1, micros);
            if (Interlocked.CompareExchange(ref s_lastClockToken, next, last) == last)
            {
                return next;
            }
        }
    }
}
