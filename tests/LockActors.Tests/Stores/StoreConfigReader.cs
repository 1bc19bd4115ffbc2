using Akka.Configuration;
using LockActors.Configuration;
using LockActors.Configuration.Stores;
using LockActors.Hosting;
using Xunit;

namespace LockActors.Tests.Stores;

/// <summary>
/// The skeleton every backend's configuration tests share: read <c>lock-actors.stores.&lt;scheme&gt;</c> through the
/// backend's reader (over its package defaults), and assert that an invalid value is refused with a
/// <see cref="LockConfigurationException"/> keyed by its full path.
/// </summary>
internal sealed class StoreConfigReader<TProvider, TSettings>(string scheme, Func<Config, TSettings> read)
    where TProvider : LockStoreProvider, new()
{
    /// <summary>The section's full path, e.g. <c>lock-actors.stores.s3</c>.</summary>
    public string Path => $"lock-actors.stores.{scheme}";

    /// <summary>The settings <paramref name="hocon"/> configures.</summary>
    public TSettings Read(string hocon) => read(ProviderSection.Of<TProvider>(hocon, scheme));

    /// <summary>The settings the Hosting <paramref name="options"/> render to.</summary>
    public TSettings Read(LockActorsOptions options) => read(ProviderSection.Of<TProvider>(options.ToConfig(), scheme));

    /// <summary>Asserts that reading <paramref name="hocon"/> fails keyed <c>&lt;section&gt;.<paramref name="key"/></c>, naming <paramref name="mentioned"/> (default: the key).</summary>
    public LockConfigurationException Refuses(string hocon, string key, string? mentioned = null) =>
        Keyed(Assert.Throws<LockConfigurationException>(() => Read(hocon)), key, mentioned);

    /// <summary>Asserts that building the store registry from <paramref name="options"/> (start-up) fails keyed <c>&lt;section&gt;.<paramref name="key"/></c>.</summary>
    public LockConfigurationException RefusesAtStartUp(LockActorsOptions options, string key) =>
        Keyed(Assert.Throws<LockConfigurationException>(() => LockStoreRegistryFactory.Create(options.ToConfig())), key, null);

    private LockConfigurationException Keyed(LockConfigurationException error, string key, string? mentioned)
    {
        Assert.Equal($"{Path}.{key}", error.Key);
        Assert.Contains(mentioned ?? $"{Path}.{key}", error.Message, StringComparison.Ordinal);
        return error;
    }
}
