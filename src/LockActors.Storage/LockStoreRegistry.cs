using System.Collections.Concurrent;

namespace LockActors.Storage;

/// <summary>
/// Maps URI schemes to stores. Stores are created lazily on first use and disposed with the registry.
/// Thread-safe.
/// </summary>
public sealed class LockStoreRegistry : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<ILockStore>> _stores = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Registers (or replaces) the store factory for <paramref name="scheme"/>.</summary>
    public LockStoreRegistry Register(string scheme, Func<ILockStore> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(scheme);
        ArgumentNullException.ThrowIfNull(factory);
        _stores[scheme] = new Lazy<ILockStore>(factory, LazyThreadSafetyMode.ExecutionAndPublication);
        return this;
    }

    /// <summary>Registers an already-built store for <paramref name="scheme"/>.</summary>
    public LockStoreRegistry Register(string scheme, ILockStore store) => Register(scheme, () => store);

    /// <summary>The registered schemes.</summary>
    public IReadOnlyCollection<string> Schemes => _stores.Keys.ToArray();

    /// <summary>True when a store is registered for <paramref name="scheme"/>.</summary>
    public bool Supports(string scheme) => _stores.ContainsKey(scheme);

    /// <summary>The store for the target's scheme, or <see cref="UnsupportedSchemeException"/>.</summary>
    public ILockStore Resolve(LockTarget target) => Resolve(target.Scheme);

    /// <summary>The store for <paramref name="scheme"/>, or <see cref="UnsupportedSchemeException"/>.</summary>
    public ILockStore Resolve(string scheme) =>
        _stores.TryGetValue(scheme, out var store) ? store.Value : throw new UnsupportedSchemeException(scheme, _stores.Keys);

    /// <summary>Disposes every store that was created.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var store in _stores.Values.Where(s => s.IsValueCreated))
        {
            await store.Value.DisposeAsync().ConfigureAwait(false);
        }

        _stores.Clear();
    }
}
