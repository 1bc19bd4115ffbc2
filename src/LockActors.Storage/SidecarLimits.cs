namespace LockActors.Storage;

/// <summary>Limits every store enforces on sidecar content.</summary>
public static class SidecarLimits
{
    /// <summary>The largest sidecar a store will read or write (64 KiB); real metadata is a few hundred bytes.</summary>
    public const int MaxBytes = 64 * 1024;

    /// <summary>The suffix appended to a target's name to form its sidecar.</summary>
    public const string Suffix = ".lock";

    /// <summary>Throws <see cref="SidecarTooLargeException"/> when <paramref name="length"/> exceeds <see cref="MaxBytes"/>.</summary>
    public static void EnsureWithinLimit(SidecarKey key, long length)
    {
        if (length > MaxBytes)
        {
            throw new SidecarTooLargeException(key, length);
        }
    }
}
