using Akka.Configuration;
using LockActors.Configuration;
using LockActors.Storage;

namespace LockActors.Gcs;

/// <summary>
/// Configures the <c>gs://</c> store from <c>lock-actors.stores.gs { }</c>. Named by the section's
/// <c>provider = "LockActors.Gcs.GcsLockStoreProvider, LockActors.Gcs"</c>, which <c>UseGcs()</c> on the Hosting options writes.
/// </summary>
public sealed class GcsLockStoreProvider : LockStoreProvider
{
    private static readonly Config EmbeddedDefaults = LoadEmbedded(typeof(GcsLockStoreProvider), "LockActors.Gcs.reference.conf", "lock-actors.stores.gs");

    /// <inheritdoc />
    public override Config Defaults => EmbeddedDefaults;

    /// <inheritdoc />
    public override Func<ILockStore> Configure(string scheme, Config section)
    {
        var settings = GcsStoreConfig.Read(section);
        return () => new GcsLockStore(settings);
    }
}
