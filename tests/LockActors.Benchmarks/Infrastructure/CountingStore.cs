using LockActors.Storage;

namespace LockActors.Benchmarks.Infrastructure;

/// <summary>Store calls by primitive at one moment.</summary>
public readonly record struct StoreCalls(long Creates, long Reads, long Replaces, long Deletes)
{
    public long Total => Creates + Reads + Replaces + Deletes;

    public static StoreCalls operator -(StoreCalls a, StoreCalls b) =>
        new(a.Creates - b.Creates, a.Reads - b.Reads, a.Replaces - b.Replaces, a.Deletes - b.Deletes);

    public override string ToString() => $"create {Creates}, read {Reads}, replace {Replaces}, delete {Deletes}";
}

/// <summary>
/// Counts every call the lock actors make on a store. Registered in place of the real store; never disposes the
/// inner store (the benchmark owns it and the registry disposes what it holds when the actor system stops).
/// </summary>
public sealed class CountingStore(ILockStore inner) : ILockStore
{
    private long _creates;
    private long _reads;
    private long _replaces;
    private long _deletes;

    public ILockStore Inner => inner;

    public StoreCapabilities Capabilities => inner.Capabilities;

    public StoreCalls Snapshot() => new(Interlocked.Read(ref _creates), Interlocked.Read(ref _reads), Interlocked.Read(ref _replaces), Interlocked.Read(ref _deletes));

    public Task<SidecarVersion?> TryCreateAsync(SidecarKey key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _creates);
        return inner.TryCreateAsync(key, content, cancellationToken);
    }

    public Task<SidecarSnapshot?> ReadAsync(SidecarKey key, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _reads);
        return inner.ReadAsync(key, cancellationToken);
    }

    public Task<SidecarVersion?> TryReplaceAsync(SidecarKey key, ReadOnlyMemory<byte> content, SidecarVersion expected, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _replaces);
        return inner.TryReplaceAsync(key, content, expected, cancellationToken);
    }

    public Task<bool> TryDeleteAsync(SidecarKey key, SidecarVersion expected, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _deletes);
        return inner.TryDeleteAsync(key, expected, cancellationToken);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
