using LockActors.Hosting;

namespace LockActors.Sftp;

/// <summary>Adds the <c>sftp://user@host/path</c> store to <c>WithLockActors(options => options.UseSftp(...))</c>.</summary>
public static class SftpHostingExtensions
{
    /// <summary>
    /// Enables the <c>sftp://</c> store (<c>lock-actors.stores.sftp</c>) with <paramref name="configure"/>'s settings over
    /// the package defaults. Calling it again replaces the earlier settings.
    /// </summary>
    /// <param name="options">The LockActors options.</param>
    /// <param name="configure">Sets the store's options; unset ones keep the package's reference.conf defaults.</param>
    /// <returns><paramref name="options"/>, for chaining.</returns>
    public static LockActorsOptions UseSftp(this LockActorsOptions options, Action<SftpStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var store = new SftpStoreOptions();
        configure?.Invoke(store);
        options.Stores.Add(store);
        return options;
    }
}
