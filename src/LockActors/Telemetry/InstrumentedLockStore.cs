using System.Diagnostics;
using LockActors.Storage;
using static LockActors.Telemetry.TelemetryNames;

namespace LockActors.Telemetry;

/// <summary>
/// Measures every primitive the lock actors call on a store (<c>lockactors.store.operation.duration</c>,
/// <c>lockactors.store.errors</c>), in one place for every backend: every store handed to a target actor is wrapped
/// through <see cref="InstrumentedStores"/>, by the lock manager and by cluster mode's entities alike. With no listener
/// each call goes straight to the store. Results and exceptions pass through unchanged; the store is not owned (the
/// registry disposes it).
/// </summary>
internal class InstrumentedLockStore : ILockStore
{
    private readonly ILockStore _inner;
    private readonly string _scheme;

    private InstrumentedLockStore(ILockStore inner, string scheme)
    {
        _inner = inner;
        _scheme = scheme;
    }

    /// <summary><paramref name="store"/>, measured under <paramref name="scheme"/>; a store that needs a warm-up keeps it (measured as <c>prepare</c>).</summary>
    public static ILockStore Wrap(ILockStore store, string scheme) => store switch
    {
        InstrumentedLockStore => store,
        ILockStoreWarmUp => new WarmingUp(store, scheme),
        _ => new InstrumentedLockStore(store, scheme),
    };

    /// <summary>The wrapped store.</summary>
    public ILockStore Inner => _inner;

    /// <inheritdoc />
    public StoreCapabilities Capabilities => _inner.Capabilities;

    /// <inheritdoc />
    public Task<SidecarVersion?> TryCreateAsync(SidecarKey key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) =>
        LockMetrics.ObservesStore
            ? ObserveAsync(StorePrimitives.TryCreate, () => _inner.TryCreateAsync(key, content, cancellationToken))
            : _inner.TryCreateAsync(key, content, cancellationToken);

    /// <inheritdoc />
    public Task<SidecarSnapshot?> ReadAsync(SidecarKey key, CancellationToken cancellationToken = default) =>
        LockMetrics.ObservesStore
            ? ObserveAsync(StorePrimitives.Read, () => _inner.ReadAsync(key, cancellationToken))
            : _inner.ReadAsync(key, cancellationToken);

    /// <inheritdoc />
    public Task<SidecarVersion?> TryReplaceAsync(SidecarKey key, ReadOnlyMemory<byte> content, SidecarVersion expected, CancellationToken cancellationToken = default) =>
        LockMetrics.ObservesStore
            ? ObserveAsync(StorePrimitives.TryReplace, () => _inner.TryReplaceAsync(key, content, expected, cancellationToken))
            : _inner.TryReplaceAsync(key, content, expected, cancellationToken);

    /// <inheritdoc />
    public Task<bool> TryDeleteAsync(SidecarKey key, SidecarVersion expected, CancellationToken cancellationToken = default) =>
        LockMetrics.ObservesStore
            ? ObserveAsync(StorePrimitives.TryDelete, () => _inner.TryDeleteAsync(key, expected, cancellationToken))
            : _inner.TryDeleteAsync(key, expected, cancellationToken);

    /// <summary>Nothing to dispose: the registry owns the store.</summary>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>Times <paramref name="operation"/> from its call (a synchronous throw included) to its completion.</summary>
    private protected async Task<T> ObserveAsync<T>(string primitive, Func<Task<T>> operation)
    {
        var startedAt = Stopwatch.GetTimestamp();
        try
        {
            var result = await operation().ConfigureAwait(false);
            LockMetrics.StoreOperation(_scheme, primitive, startedAt, null);
            return result;
        }
        catch (Exception e)
        {
            LockMetrics.StoreOperation(_scheme, primitive, startedAt, e);
            throw;
        }
    }

    /// <summary>A store with a warm-up step, which stays visible to the actors (<c>is ILockStoreWarmUp</c>).</summary>
    private sealed class WarmingUp(ILockStore inner, string scheme) : InstrumentedLockStore(inner, scheme), ILockStoreWarmUp
    {
        public Task PrepareAsync(SidecarKey key, CancellationToken cancellationToken = default) =>
            LockMetrics.ObservesStore
                ? ObserveAsync(StorePrimitives.Prepare, async () =>
                {
                    await ((ILockStoreWarmUp)Inner).PrepareAsync(key, cancellationToken).ConfigureAwait(false);
                    return true;
                })
                : ((ILockStoreWarmUp)Inner).PrepareAsync(key, cancellationToken);
    }
}
