using LockActors.Configuration;
using LockActors.Messages;
using LockActors.Storage;

namespace LockActors.Actors;

/// <summary>The checks every request passes before it reaches a target actor (shared by the local and the cluster manager).</summary>
internal static class LockRequestValidator
{
    /// <summary>Throws the typed error that refuses <paramref name="command"/>, or returns when it is valid.</summary>
    /// <exception cref="InvalidLockRequestException">A value is out of range.</exception>
    /// <exception cref="StoreNotSafeException">The store cannot lock safely.</exception>
    public static void Validate(LockActorsSettings settings, ILockCommand command, LockTarget target, ILockStore store)
    {
        if (command is Release release && string.IsNullOrEmpty(release.LockId))
        {
            throw new InvalidLockRequestException(target.Normalized, "a release must name the lock id it was granted");
        }

        if (command is not Acquire acquire)
        {
            return;
        }

        if (acquire.Ttl is { } ttl && (ttl < LockLimits.MinTtl || ttl > LockLimits.MaxTtl))
        {
            throw new InvalidLockRequestException(target.Normalized,
                $"the TTL must be between {LockLimits.MinTtl} (LockLimits.MinTtl) and {LockLimits.MaxTtl} (LockLimits.MaxTtl), not {ttl}");
        }

        if (acquire.WaitTimeout is { } wait && !IsValidWait(wait))
        {
            throw new InvalidLockRequestException(target.Normalized,
                $"the wait timeout must be between zero and {LockLimits.MaxWait} (LockLimits.MaxWait), or Timeout.InfiniteTimeSpan to wait forever, not {wait}");
        }

        if (acquire.OwnerId is { } owner && (owner.Length > LockLimits.MaxOwnerIdLength || owner.Any(char.IsControl) || !IsWellFormedUtf16(owner)))
        {
            throw new InvalidLockRequestException(target.Normalized,
                $"the owner id must be at most {LockLimits.MaxOwnerIdLength} characters of well-formed text without control characters (got {owner.Length} characters)");
        }

        var effectiveTtl = acquire.Ttl ?? settings.DefaultTtl;
        if (effectiveTtl <= store.Capabilities.ClockResolution * 2)
        {
            throw new InvalidLockRequestException(target.Normalized,
                $"a TTL of {effectiveTtl} is too short for a store whose clock resolution is {store.Capabilities.ClockResolution}");
        }

        if (acquire.HeartbeatInterval is { } heartbeat)
        {
            var latest = settings.LongestHeartbeatFor(effectiveTtl);
            if (heartbeat <= TimeSpan.Zero || heartbeat > latest)
            {
                throw new InvalidLockRequestException(target.Normalized,
                    $"the heartbeat interval must be positive and at most half the trusted lease, TTL * (1 - lease-safety-margin) / 2 = {latest} for a TTL of {effectiveTtl}, not {heartbeat}");
            }
        }
        else if (!settings.HeartbeatFits(effectiveTtl))
        {
            throw new InvalidLockRequestException(target.Normalized, settings.HeartbeatMisfit(effectiveTtl));
        }

        if (!store.Capabilities.IsSafeForLocking)
        {
            throw new StoreNotSafeException($"The {target.Scheme}:// store cannot create, replace and delete atomically ({store.Capabilities.Mechanism}); refusing to grant locks.");
        }
    }

    private static bool IsWellFormedUtf16(string text) => System.Text.Unicode.Utf8.FromUtf16(text, new byte[text.Length * 3], out _, out _, replaceInvalidSequences: false) == System.Buffers.OperationStatus.Done;

    /// <summary>Zero (do not wait), a finite wait up to <see cref="LockLimits.MaxWait"/>, or infinite.</summary>
    internal static bool IsValidWait(TimeSpan wait) => LockLimits.IsInfinite(wait) || (wait >= TimeSpan.Zero && wait <= LockLimits.MaxWait);

}
