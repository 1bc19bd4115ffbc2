using Akka.Configuration;
using LockActors.Configuration;
using LockActors.Storage;

namespace LockActors.Sftp;

/// <summary>
/// Configures the <c>sftp://</c> store from <c>lock-actors.stores.sftp { }</c>. Named by the section's
/// <c>provider = "LockActors.Sftp.SftpLockStoreProvider, LockActors.Sftp"</c>, which <c>UseSftp()</c> on the Hosting options writes.
/// </summary>
public sealed class SftpLockStoreProvider : LockStoreProvider
{
    private static readonly Config EmbeddedDefaults = LoadEmbedded(typeof(SftpLockStoreProvider), "LockActors.Sftp.reference.conf", "lock-actors.stores.sftp");

    /// <inheritdoc />
    public override Config Defaults => EmbeddedDefaults;

    /// <inheritdoc />
    public override Func<ILockStore> Configure(string scheme, Config section)
    {
        var settings = SftpStoreConfig.Read(section);
        return () => new SftpLockStore(settings);
    }
}
