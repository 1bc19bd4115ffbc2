using Akka.Configuration;
using LockActors.Configuration;

namespace LockActors.Sftp;

/// <summary>
/// Maps <c>lock-actors.stores.sftp</c> onto <see cref="SftpStoreSettings"/> through its <c>With*</c> methods only, so
/// HOCON values are validated where every other value is, and an invalid one fails naming its key.
/// </summary>
internal static class SftpStoreConfig
{
    private const string Path = "lock-actors.stores.sftp";

    public static SftpStoreSettings Read(Config section) => StoreSectionReader.Read(Path, section, () =>
    {
        var d = SftpStoreSettings.Default;
        var credentials = new SftpCredentials(
            Username: Optional(section.GetString("username", string.Empty)),
            PrivateKeyPath: Optional(section.GetString("private-key-file", string.Empty)),
            PrivateKeyText: Optional(section.GetString("private-key", string.Empty)),
            Passphrase: Optional(section.GetString("passphrase", string.Empty)),
            Password: Optional(section.GetString("password", string.Empty)));
        return d.WithCredentials(credentials)
            .WithHostKeySha256(HostKeys(section))
            .WithAcceptAnyHostKeyInsecure(section.GetBoolean("accept-any-host-key-insecure", false))
            .WithTimeouts(
                connect: section.GetTimeSpan("connect-timeout", d.ConnectTimeout),
                operation: section.GetTimeSpan("operation-timeout", d.OperationTimeout),
                keepAlive: section.GetTimeSpan("keep-alive-interval", d.KeepAliveInterval))
            .WithGuard(
                staleAfter: section.GetTimeSpan("guard-stale-after", d.GuardStaleAfter),
                checkAndWriteTimeout: section.GetTimeSpan("check-and-write-timeout", d.CheckAndWriteTimeout))
            .WithRoot(Optional(section.GetString("root", string.Empty)))
            .WithConnectionsPerServer(section.GetInt("connections-per-server", d.ConnectionsPerServer));
    });

    /// <summary><c>host-key-sha256</c> may be one fingerprint or a list of them.</summary>
    private static string[] HostKeys(Config section)
    {
        var value = section.GetValue("host-key-sha256");
        if (value is null)
        {
            return [];
        }

        return value.IsString()
            ? Optional(value.GetString()) is { } single ? [single] : []
            : section.GetStringList("host-key-sha256").Where(f => !string.IsNullOrWhiteSpace(f)).ToArray();
    }

    private static string? Optional(string value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
