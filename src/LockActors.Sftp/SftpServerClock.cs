namespace LockActors.Sftp;

/// <summary>
/// Estimates the SFTP server's clock from the mtimes of files this process wrote. Each write bounds the offset
/// (server − local): the server stamped the file at some moment between the local times just before and just
/// after the request, and the mtime is that moment truncated to whole seconds. Bounds from successive writes
/// are intersected (tightening the estimate); earlier bounds are widened by a generous drift allowance, and a
/// contradiction (a clock was stepped) restarts from the newest bound.
/// </summary>
internal sealed class SftpServerClock(TimeProvider time)
{
    private const double DriftAllowance = 1e-3; // 1 ms per second: far above real oscillator drift
    private readonly Lock _gate = new();
    private long _lowTicks;
    private long _highTicks;
    private long _observedAt;
    private bool _known;

    /// <summary>True once at least one write has been observed.</summary>
    public bool IsKnown
    {
        get
        {
            lock (_gate)
            {
                return _known;
            }
        }
    }

    /// <summary>Local monotonic timestamp of the last observation (for refreshing an old estimate).</summary>
    public TimeSpan SinceLastObservation
    {
        get
        {
            lock (_gate)
            {
                return _known ? time.GetElapsedTime(_observedAt) : TimeSpan.MaxValue;
            }
        }
    }

    /// <summary>Half the width of the offset interval: how far <see cref="Now"/> may be off, plus rounding.</summary>
    public TimeSpan Uncertainty
    {
        get
        {
            lock (_gate)
            {
                return _known ? TimeSpan.FromTicks((Widened(_highTicks, +1) - Widened(_lowTicks, -1)) / 2) : TimeSpan.MaxValue;
            }
        }
    }

    /// <summary>The estimated server time now (local time when nothing was observed yet).</summary>
    public DateTimeOffset Now
    {
        get
        {
            lock (_gate)
            {
                var now = time.GetUtcNow();
                return _known ? now + TimeSpan.FromTicks((Widened(_lowTicks, -1) + Widened(_highTicks, +1)) / 2) : now;
            }
        }
    }

    /// <summary>Records that a file written between <paramref name="localBefore"/> and <paramref name="localAfter"/> got <paramref name="serverMtime"/>.</summary>
    public void Observe(DateTimeOffset serverMtime, DateTimeOffset localBefore, DateTimeOffset localAfter)
    {
        var low = (serverMtime - localAfter).Ticks;
        var high = (serverMtime + TimeSpan.FromSeconds(1) - localBefore).Ticks;
        lock (_gate)
        {
            if (_known)
            {
                var previousLow = Widened(_lowTicks, -1);
                var previousHigh = Widened(_highTicks, +1);
                var newLow = Math.Max(low, previousLow);
                var newHigh = Math.Min(high, previousHigh);
                if (newLow <= newHigh)
                {
                    (low, high) = (newLow, newHigh);
                }
            }

            (_lowTicks, _highTicks, _observedAt, _known) = (low, high, time.GetTimestamp(), true);
        }
    }

    private long Widened(long ticks, int direction) =>
        ticks + direction * (long)(time.GetElapsedTime(_observedAt).Ticks * DriftAllowance);
}
