using System.Globalization;
using System.Security.Cryptography;
using Renci.SshNet.Sftp;

namespace LockActors.Sftp;

/// <summary>How the store names a sidecar's version and reads a file's server mtime.</summary>
internal static class SftpFileVersion
{
    /// <summary>
    /// Size, server mtime and a SHA-256 prefix of the bytes read, so the version changes on every write of different
    /// bytes. For an oversized sidecar only its first <see cref="SidecarLimits.MaxBytes"/> + 1 bytes are read and hashed,
    /// by every reader alike, so a compare-and-swap check (which re-reads the same way) still recognises it.
    /// </summary>
    public static SidecarVersion Of(ReadOnlySpan<byte> content, long size, DateTimeOffset modifiedAt)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(content, hash);
        return new SidecarVersion(string.Create(CultureInfo.InvariantCulture,
            $"{size:x}.{modifiedAt.ToUnixTimeSeconds():x}.{Convert.ToHexStringLower(hash[..8])}"));
    }

    /// <summary>The server's mtime of a file (whole seconds, UTC).</summary>
    public static DateTimeOffset MtimeOf(SftpFileAttributes attributes) =>
        new(DateTime.SpecifyKind(attributes.LastWriteTimeUtc, DateTimeKind.Utc));
}
