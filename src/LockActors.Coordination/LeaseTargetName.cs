using System.Security.Cryptography;
using System.Text;

namespace LockActors.Coordination;

/// <summary>
/// Maps a lease name to the file name of its target under <c>lease-root</c>: safe on every store and injective, so
/// two distinct lease names never share a sidecar.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>A-Z a-z 0-9 . -</c> stay as they are, except a leading <c>.</c> (no hidden files, no <c>.</c> or <c>..</c>).</item>
/// <item>Every other UTF-8 byte, <c>_</c> included, is written <c>_XX</c> (two upper-case hex digits), so the
/// encoding decodes unambiguously.</item>
/// <item>An encoded name longer than <see cref="MaxLength"/> keeps its first <see cref="KeptPrefix"/> characters and
/// ends with <c>~</c> and the first 16 hex digits of the SHA-256 of the lease name; <c>~</c> never appears in a name
/// that was not cut, so a cut name cannot equal an uncut one.</item>
/// </list>
/// Names that differ only in letter case map to names that differ only in case: on a case-insensitive file system they
/// share one lease, which costs availability (they exclude each other), never safety.
/// </remarks>
internal static class LeaseTargetName
{
    /// <summary>The longest file name produced (the sidecar adds <c>.lock</c>; file systems allow 255 bytes).</summary>
    public const int MaxLength = 160;

    /// <summary>How much of an over-long encoded name is kept before <c>~</c> and the hash.</summary>
    public const int KeptPrefix = MaxLength - 17;

    /// <summary>The file name for <paramref name="leaseName"/>.</summary>
    /// <exception cref="ArgumentException">The lease name is empty.</exception>
    public static string Encode(string leaseName)
    {
        ArgumentException.ThrowIfNullOrEmpty(leaseName);
        var bytes = Encoding.UTF8.GetBytes(leaseName);
        var encoded = new StringBuilder(bytes.Length);
        for (var i = 0; i < bytes.Length; i++)
        {
            var b = bytes[i];
            if (IsSafe(b) && !(i == 0 && b == (byte)'.'))
            {
                encoded.Append((char)b);
            }
            else
            {
                encoded.Append('_').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        if (encoded.Length <= MaxLength)
        {
            return encoded.ToString();
        }

        var hash = Convert.ToHexString(SHA256.HashData(bytes), 0, 8).ToLowerInvariant();
        return encoded.ToString(0, KeptPrefix) + "~" + hash;
    }

    /// <summary>The target URI of <paramref name="leaseName"/> under <paramref name="root"/> (which ends with <c>/</c>).</summary>
    public static string TargetUri(string root, string leaseName) => root + Encode(leaseName);

    private static bool IsSafe(byte b) => b is (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'a' and <= (byte)'z') or (>= (byte)'0' and <= (byte)'9') or (byte)'.' or (byte)'-';
}
