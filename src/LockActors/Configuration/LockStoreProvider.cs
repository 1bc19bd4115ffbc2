using Akka.Configuration;
using LockActors.Storage;

namespace LockActors.Configuration;

/// <summary>
/// A store backend as configuration sees it. Each backend package ships one (for example <c>S3LockStoreProvider</c> in
/// <c>LockActors.S3</c>). A network store exists only when its section names its provider:
/// <code>lock-actors.stores.s3 { provider = "LockActors.S3.S3LockStoreProvider, LockActors.S3" }</code>
/// which is what the package's Hosting extension writes for you. <c>mem://</c> and <c>file://</c> are built in.
/// </summary>
/// <remarks>
/// Implementations need a public parameterless constructor. They must not keep state between calls: the same provider
/// may build stores for several actor systems.
/// </remarks>
public abstract class LockStoreProvider
{
    /// <summary>
    /// The defaults of the store's section: the backend's <c>reference.conf</c> fragment, rooted at
    /// <c>lock-actors.stores.&lt;scheme&gt;</c>'s contents (so keys are <c>region</c>, not <c>lock-actors.stores.s3.region</c>).
    /// The user's keys are read over it.
    /// </summary>
    public abstract Config Defaults { get; }

    /// <summary>
    /// Reads and validates <paramref name="section"/> (the user's keys over <see cref="Defaults"/>) at start-up, with no
    /// I/O, and returns the factory that builds the store on the first lock request for the scheme.
    /// </summary>
    /// <exception cref="LockConfigurationException">A value is invalid; <see cref="LockConfigurationException.Key"/> names it.
    /// (An <see cref="ArgumentException"/> is also accepted: the registry turns it into this exception.)</exception>
    /// <param name="scheme">The URI scheme the store serves (the section's name).</param>
    /// <param name="section">The section, defaults applied.</param>
    public abstract Func<ILockStore> Configure(string scheme, Config section);

    /// <summary>Loads an embedded HOCON resource of <paramref name="assemblyOf"/>'s assembly and returns its <paramref name="path"/> section.</summary>
    /// <param name="assemblyOf">A type in the assembly that embeds the resource.</param>
    /// <param name="resourceName">The resource's logical name.</param>
    /// <param name="path">The section to return, for example <c>lock-actors.stores.s3</c>.</param>
    protected static Config LoadEmbedded(Type assemblyOf, string resourceName, string path) =>
        EmbeddedHocon.Load(assemblyOf, resourceName).GetConfig(path);
}
