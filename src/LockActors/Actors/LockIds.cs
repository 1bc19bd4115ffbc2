namespace LockActors.Actors;

/// <summary>Makes the id of a grant: <c>&lt;instance id&gt;-&lt;32 lowercase hex digits&gt;</c>, unique per grant.</summary>
internal static class LockIds
{
    private const int RandomBytes = 16;

    /// <summary>A new lock id for a grant of the actor system <paramref name="instanceId"/>.</summary>
    /// <remarks>
    /// 128 random bits from the process's shared generator (seeded once from the OS): unique like a GUID, without
    /// <see cref="Guid.NewGuid"/>'s read of the kernel's random source on every grant. Lock ids are not secrets. The
    /// digits are written straight into the one string made (no <see cref="Guid"/>, no formatting buffer or copy).
    /// </remarks>
    public static string New(string instanceId) =>
        string.Create(instanceId.Length + 1 + (2 * RandomBytes), instanceId, static (chars, instance) =>
        {
            instance.CopyTo(chars);
            chars[instance.Length] = '-';
            Span<byte> bytes = stackalloc byte[RandomBytes];
            Random.Shared.NextBytes(bytes);
            Convert.TryToHexStringLower(bytes, chars[(instance.Length + 1)..], out _);
        });
}
