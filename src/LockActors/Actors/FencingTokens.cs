namespace LockActors.Actors;

/// <summary>
/// Draws fencing tokens. A token is drawn <em>before</em> the write that establishes a grant and travels in that
/// write, so no caller ever holds a token the store does not already hold (protocol rule 9). It is greater than
/// every token seen for the target (the sidecar just read, a hand-over's predecessor, a released tombstone) and at
/// least a process-monotonic clock in microseconds, so grants made after a plain release (which leaves no token
/// behind) still grow as long as host clocks do not step back by more than the time between the grants.
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
