using System.Text;

namespace LockActors.S3;

/// <summary>
/// The "released" marker written by a release on endpoints without conditional delete. Every read treats it as
/// an absent sidecar, so it is invisible to the lock protocol; an acquire replaces it with a compare-and-swap.
/// </summary>
/// <remarks>
/// The body is a tiny JSON document that starts with a fixed prefix, so any client (also outside .NET) can
/// recognise it. Each tombstone carries a fresh nonce: its ETag differs from every other write, which lets a
/// release whose outcome was unknown (5xx, timeout) tell by re-reading whether its own tombstone landed.
/// </remarks>
internal static class S3Tombstone
{
    /// <summary>Every tombstone body starts with these bytes.</summary>
    public static ReadOnlySpan<byte> Prefix => "{\"lockActorsReleased\":1,"u8;

    /// <summary>Tombstones are never larger than this; anything bigger is a lock (or garbage), not a tombstone.</summary>
    public const int MaxBytes = 128;

    /// <summary>A new, unique tombstone body.</summary>
    public static byte[] Create(DateTimeOffset releasedAt) =>
        Encoding.UTF8.GetBytes($"{{\"lockActorsReleased\":1,\"at\":\"{releasedAt.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ}\",\"nonce\":\"{Guid.NewGuid():N}\"}}");

    /// <summary>True when <paramref name="content"/> is a tombstone.</summary>
    public static bool Is(ReadOnlySpan<byte> content) => content.Length <= MaxBytes && content.StartsWith(Prefix);
}
