namespace LockActors;

/// <summary>Bounds on what a caller may ask for; a request outside them fails with <see cref="InvalidLockRequestException"/>.</summary>
public static class LockLimits
{
    /// <summary>The longest TTL a request may ask for (one day). Long jobs keep a lock with heartbeats, not a long TTL.</summary>
    public static readonly TimeSpan MaxTtl = TimeSpan.FromDays(1);

    /// <summary>
    /// The longest finite wait (24 days, the scheduler's limit). Wait forever with <see cref="Timeout.InfiniteTimeSpan"/>
    /// (<see cref="TimeSpan.MaxValue"/> means the same).
    /// </summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromDays(24);

    /// <summary>True for the two spellings of "wait forever".</summary>
    internal static bool IsInfinite(TimeSpan wait) => wait == Timeout.InfiniteTimeSpan || wait == TimeSpan.MaxValue;

    /// <summary>The longest owner id (characters); it is written into every sidecar.</summary>
    public const int MaxOwnerIdLength = 1024;
}
