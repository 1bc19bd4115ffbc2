using Akka.Configuration;
using LockActors.Configuration;

namespace LockActors.Tests.Stores;

/// <summary>A backend's section as its provider sees it: the user's <c>lock-actors.stores.&lt;scheme&gt;</c> keys over the package defaults.</summary>
internal static class ProviderSection
{
    public static Config Of<TProvider>(Config root, string scheme)
        where TProvider : LockStoreProvider, new()
    {
        var defaults = new TProvider().Defaults;
        return root.HasPath($"lock-actors.stores.{scheme}") ? root.GetConfig($"lock-actors.stores.{scheme}").WithFallback(defaults) : defaults;
    }

    public static Config Of<TProvider>(string hocon, string scheme)
        where TProvider : LockStoreProvider, new() => Of<TProvider>(ConfigurationFactory.ParseString(hocon), scheme);
}
