using LockActors.Hosting;

namespace LockActors.S3;

/// <summary>Adds the <c>s3://bucket/key</c> store to <c>WithLockActors(options => options.UseS3(...))</c>.</summary>
public static class S3HostingExtensions
{
    /// <summary>
    /// Enables the <c>s3://</c> store (<c>lock-actors.stores.s3</c>) with <paramref name="configure"/>'s settings over
    /// the package defaults. Calling it again replaces the earlier settings.
    /// </summary>
    /// <param name="options">The LockActors options.</param>
    /// <param name="configure">Sets the store's options; unset ones keep the package's reference.conf defaults.</param>
    /// <returns><paramref name="options"/>, for chaining.</returns>
    public static LockActorsOptions UseS3(this LockActorsOptions options, Action<S3StoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var store = new S3StoreOptions();
        configure?.Invoke(store);
        options.Stores.Add(store);
        return options;
    }
}
