namespace LockActors.Actors;

/// <summary>
/// Issues fencing tokens as a hybrid logical clock: above every token seen for the target, above every token
/// this process issued, and at least the wall clock in microseconds — so grants made by other processes after a
/// release (which never see the previous token) still grow, as long as host clocks do not step back by more
/// than the time between two grants. Backends with a native counter are documented in the README.
/// </summary>
internal static class FencingTokens
{
    private static long s_lastIssued;

    public static long Next(long lastSeenForTarget)
    {
        while (true)
        {
            var last = Volatile.Read(ref s_lastIssued);
            var micros = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;
            var next = Math.Max(Math.Max(lastSeenForTarget, last) + 1, micros);
            if (Interlocked.CompareExchange(ref s_lastIssued, next, last) == last)
            {
                return next;
            }
        }
    }
}
