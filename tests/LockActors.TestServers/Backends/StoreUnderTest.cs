namespace LockActors.TestServers.Backends;

/// <summary>How the shared actor-level and multi-process suites reach one backend (defined once, in <see cref="TestBackends"/>).</summary>
/// <param name="Name">Short name for messages.</param>
/// <param name="Hocon">Extra HOCON for the actor system (the backend's <c>lock-actors.stores.x { }</c> block).</param>
/// <param name="NewTargetUri">A fresh, unique target URI whose location exists.</param>
/// <param name="ShortTtl">A TTL short enough for fast tests yet several times the store's clock resolution.</param>
public sealed record StoreUnderTest(string Name, string Hocon, Func<string, string> NewTargetUri, TimeSpan ShortTtl);
