namespace LockActors.Actors;

/// <summary>Makes the id of a grant: <c>&lt;instance id&gt;-&lt;32 lowercase hex digits&gt;</c>, unique per grant.</summary>
internal static class LockIds
{
    /// <summary>A new lock id for a grant of the actor system <paramref name="instanceId"/>.</summary>
    /// <remarks>
    /// 128 random bits from the process's shared generator (seeded once from the OS): unique like a GUID, without
    /// <see cref="Guid.NewGuid"/>'s read of the kernel's random source on every grant. Lock ids are not secrets.
    /// </remarks>
    public static string New(string instanceId) => $"{instanceId}-{NewSuffix():N}";

    private static Guid NewSuffix()
    {
        Span<byte> bytes = stackalloc byte[16];
        Random.Shared.NextBytes(bytes);
        return new Guid(bytes);
    }
}
