using LockActors.Storage;

namespace LockActors.ContentionWorker;

/// <summary>
/// Faults between the library and the store at a fixed rate, for the R3 soak: of every store call, a share
/// <c>rate</c> is disturbed, in equal parts by a delay (up to 300 ms, before or after the call applies), an error
/// before it applies, and a lost reply after it applied (a connection reset). Seeded, so a run replays its fault
/// pattern per process (the interleaving with other processes still varies).
/// </summary>
internal sealed class RateFaultStore(ILockStore inner, double rate, int seed) : ILockStore
{
    private readonly Random _random = new(seed);
    private long _calls;
    private long _injected;

    public long Calls => Interlocked.Read(ref _calls);

    public long Injected => Interlocked.Read(ref _injected);

    public StoreCapabilities Capabilities => inner.Capabilities;

    public Task<SidecarVersion?> TryCreateAsync(SidecarKey key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) =>
        Disturb(() => inner.TryCreateAsync(key, content, cancellationToken), cancellationToken);

    public Task<SidecarSnapshot?> ReadAsync(SidecarKey key, CancellationToken cancellationToken = default) =>
        Disturb(() => inner.ReadAsync(key, cancellationToken), cancellationToken);

    public Task<SidecarVersion?> TryReplaceAsync(SidecarKey key, ReadOnlyMemory<byte> content, SidecarVersion expected, CancellationToken cancellationToken = default) =>
        Disturb(() => inner.TryReplaceAsync(key, content, expected, cancellationToken), cancellationToken);

    public Task<bool> TryDeleteAsync(SidecarKey key, SidecarVersion expected, CancellationToken cancellationToken = default) =>
        Disturb(() => inner.TryDeleteAsync(key, expected, cancellationToken), cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    private async Task<T> Disturb<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        double roll;
        int delayMs;
        lock (_random)
        {
            roll = _random.NextDouble();
            delayMs = _random.Next(1, 300);
        }

        if (roll >= rate)
        {
            return await call();
        }

        Interlocked.Increment(ref _injected);
        var kind = (int)(roll / rate * 4);
        switch (kind)
        {
            case 0:
                await Task.Delay(delayMs, cancellationToken);
                return await call();
            case 1:
                var result = await call();
                await Task.Delay(delayMs, cancellationToken);
                return result;
            case 2:
                throw new StoreUnavailableException("injected fault: error before the call applied");
            default:
                await call();
                throw new StoreUnavailableException("injected fault: connection reset after the call applied (reply lost)");
        }
    }
}
