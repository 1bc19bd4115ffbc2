using Akka.Configuration;
using LockActors.Configuration;
using LockActors.Storage;

namespace LockActors.S3;

/// <summary>
/// Configures the <c>s3://</c> store from <c>lock-actors.stores.s3 { }</c>. Named by the section's
/// <c>provider = "LockActors.S3.S3LockStoreProvider, LockActors.S3"</c>, which <c>UseS3()</c> on the Hosting options writes.
/// </summary>
public sealed class S3LockStoreProvider : LockStoreProvider
{
    private static readonly Config EmbeddedDefaults = LoadEmbedded(typeof(S3LockStoreProvider), "LockActors.S3.reference.conf", "lock-actors.stores.s3");

    /// <inheritdoc />
    public override Config Defaults => EmbeddedDefaults;

    /// <inheritdoc />
    public override Func<ILockStore> Configure(string scheme, Config section)
    {
        var settings = S3StoreConfig.Read(section);
        return () => new S3LockStore(settings);
    }
}
