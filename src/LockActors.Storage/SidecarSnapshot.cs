namespace LockActors.Storage;

/// <summary>One read of a sidecar: its bytes, their version, and store-side times.</summary>
/// <param name="Content">The raw sidecar bytes; for a sidecar over <see cref="SidecarLimits.MaxBytes"/>, only its first <c>MaxBytes + 1</c> bytes.</param>
/// <param name="Version">The version to pass to a following compare-and-swap.</param>
/// <param name="ModifiedAt">When the store last wrote the sidecar, on the store's clock.</param>
/// <param name="StoreNow">The store's clock at the time of the read (measured or estimated).</param>
public sealed record SidecarSnapshot(
    ReadOnlyMemory<byte> Content,
    SidecarVersion Version,
    DateTimeOffset ModifiedAt,
    DateTimeOffset StoreNow)
{
    /// <summary>Time since the last write, on the store's clock (never negative).</summary>
    public TimeSpan Age => StoreNow > ModifiedAt ? StoreNow - ModifiedAt : TimeSpan.Zero;
}
