using LockActors.Hosting;

namespace LockActors.Gcs;

/// <summary>Adds the <c>gs://bucket/object</c> store to <c>WithLockActors(options => options.UseGcs(...))</c>.</summary>
public static class GcsHostingExtensions
{
    /// <summary>
    /// Enables the <c>gs://</c> store (<c>lock-actors.stores.gs</c>) with <paramref name="configure"/>'s settings over
    /// the package defaults. Calling it again replaces the earlier settings.
    /// </summary>
    /// <param name="options">The LockActors options.</param>
    /// <param name="configure">Sets the store's options; unset ones keep the package's reference.conf defaults.</param>
    /// <returns><paramref name="options"/>, for chaining.</returns>
    public static LockActorsOptions UseGcs(this LockActorsOptions options, Action<GcsStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var store = new GcsStoreOptions();
        configure?.Invoke(store);
        options.Stores.Add(store);
        return options;
    }
}
