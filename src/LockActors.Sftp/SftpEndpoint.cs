namespace LockActors.Sftp;

/// <summary>One SSH login: server endpoint plus the user the store authenticates as.</summary>
/// <param name="Host">The server's host name or address.</param>
/// <param name="Port">The server's SSH port.</param>
/// <param name="Username">The login.</param>
internal sealed record SftpEndpoint(string Host, int Port, string Username)
{
    /// <summary>The server alone (host:port): what the safety verdict and the clock estimate belong to.</summary>
    public (string Host, int Port) Server => (Host, Port);

    /// <summary>
    /// The login that serves <paramref name="key"/>: its URI's host, port (22 by default) and <c>user@</c>, or the
    /// configured username. Refuses other schemes, passwords in the URI, a missing user and paths outside the root.
    /// </summary>
    public static SftpEndpoint Of(SidecarKey key, SftpStoreSettings settings)
    {
        var uri = key.Target.Uri;
        if (!string.Equals(uri.Scheme, "sftp", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidLockTargetException(key.Target.Normalized, "the SFTP store only serves sftp:// targets");
        }

        var userInfo = Uri.UnescapeDataString(uri.UserInfo);
        if (userInfo.Contains(':', StringComparison.Ordinal))
        {
            throw new InvalidLockTargetException(key.Target.Normalized, "passwords do not belong in lock URIs; configure them in lock-actors.stores.sftp");
        }

        var user = userInfo.Length > 0 ? userInfo : settings.Credentials.Username;
        if (string.IsNullOrEmpty(user))
        {
            throw new InvalidLockTargetException(key.Target.Normalized, "no user: write sftp://user@host/path or configure a username");
        }

        if (settings.Root is { Length: > 0 } root && !key.Path.StartsWith(root.TrimEnd('/') + "/", StringComparison.Ordinal))
        {
            throw new InvalidLockTargetException(key.Target.Normalized, $"it is outside the configured SFTP store root '{root}'");
        }

        return new SftpEndpoint(uri.DnsSafeHost, uri.Port > 0 ? uri.Port : 22, user);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Username}@{Host}:{Port}";
}
