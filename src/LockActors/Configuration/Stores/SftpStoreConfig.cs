using Akka.Configuration;
using LockActors.Storage;
using LockActors.Storage.Stores.Sftp;

namespace LockActors.Configuration.Stores;

/// <summary>Maps <c>lock-actors.stores.sftp</c> onto <see cref="SftpStoreSettings"/>.</summary>
internal static class SftpStoreConfig
{
    public static SftpStoreSettings Read(Config stores)
    {
        var d = SftpStoreSettings.Default;
        var credentials = new SftpCredentials(
            Username: Optional(stores.GetString("sftp.username", string.Empty)),
            PrivateKeyPath: Optional(stores.GetString("sftp.private-key-file", string.Empty)),
            PrivateKeyText: Optional(stores.GetString("sftp.private-key", string.Empty)),
            Passphrase: Optional(stores.GetString("sftp.passphrase", string.Empty)),
            Password: Optional(stores.GetString("sftp.password", string.Empty)));
        var root = Optional(stores.GetString("sftp.root", string.Empty));
        try
        {
            return d.WithCredentials(credentials)
                .WithHostKeySha256(HostKeys(stores))
                .WithAcceptAnyHostKeyInsecure(stores.GetBoolean("sftp.accept-any-host-key-insecure", false))
                .WithTimeouts(
                    connect: stores.GetTimeSpan("sftp.connect-timeout", d.ConnectTimeout),
                    operation: stores.GetTimeSpan("sftp.operation-timeout", d.OperationTimeout),
                    keepAlive: stores.GetTimeSpan("sftp.keep-alive-interval", d.KeepAliveInterval))
                .WithGuard(
                    staleAfter: stores.GetTimeSpan("sftp.guard-stale-after", d.GuardStaleAfter),
                    checkAndWriteTimeout: stores.GetTimeSpan("sftp.check-and-write-timeout", d.CheckAndWriteTimeout))
                .WithRoot(root);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new ArgumentException($"lock-actors.stores.sftp: {e.ParamName} {e.Message}", "stores.sftp", e);
        }
    }

    public static void Register(LockStoreRegistry registry, Config stores)
    {
        var settings = Read(stores);
        registry.Register("sftp", () => new SftpLockStore(settings));
    }

    /// <summary><c>host-key-sha256</c> may be one fingerprint or a list of them.</summary>
    private static string[] HostKeys(Config stores)
    {
        var value = stores.GetValue("sftp.host-key-sha256");
        if (value is null)
        {
            return [];
        }

        return value.IsString()
            ? Optional(value.GetString()) is { } single ? [single] : []
            : stores.GetStringList("sftp.host-key-sha256").Where(f => !string.IsNullOrWhiteSpace(f)).ToArray();
    }

    private static string? Optional(string value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
