using LockActors.Storage;

namespace LockActors.Tests.Faults;

/// <summary>Wraps a store to count calls and to make it fail (down) or hang, as a broken server would.</summary>
public sealed class FaultInjectingLockStore(ILockStore inner) : ILockStore
{
    private int _creates;
    private int _reads;
    private int _replaces;
    private int _deletes;

    public enum Mode
    {
        Healthy,
        Down,
        Hanging,
    }

    public volatile Mode Fault;

    public StoreCapabilities? CapabilitiesOverride { get; set; }

    /// <summary>When the last replace that succeeded was started (not finished): the earliest its write can have applied.</summary>
    public DateTimeOffset LastSuccessfulReplace { get; private set; }

    public int Creates => _creates;

    public int Reads => _reads;

    public int Replaces => _replaces;

    public int Deletes => _deletes;

    public StoreCapabilities Capabilities => CapabilitiesOverride ?? inner.Capabilities;

    public void ResetCounts()
    {
        _creates = _reads = _replaces = _deletes = 0;
    }

    public async Task<SidecarVersion?> TryCreateAsync(SidecarKey key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _creates);
        await Inject(cancellationToken);
        return await inner.TryCreateAsync(key, content, cancellationToken);
    }

    public async Task<SidecarSnapshot?> ReadAsync(SidecarKey key, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _reads);
        await Inject(cancellationToken);
        return await inner.ReadAsync(key, cancellationToken);
    }

    public async Task<SidecarVersion?> TryReplaceAsync(SidecarKey key, ReadOnlyMemory<byte> content, SidecarVersion expected, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _replaces);
        var startedAt = DateTimeOffset.UtcNow; // a write applies no earlier than it was started
        await Inject(cancellationToken);
        var result = await inner.TryReplaceAsync(key, content, expected, cancellationToken);
        if (result is not null)
        {
            LastSuccessfulReplace = startedAt;
        }

        return result;
    }

    public async Task<bool> TryDeleteAsync(SidecarKey key, SidecarVersion expected, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _deletes);
        await Inject(cancellationToken);
        return await inner.TryDeleteAsync(key, expected, cancellationToken);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task Inject(CancellationToken cancellationToken)
    {
        switch (Fault)
        {
            case Mode.Down:
                throw new StoreUnavailableException("injected: the store is down");
            case Mode.Hanging:
                await Task.Delay(Timeout.Infinite, cancellationToken);
                break;
        }
    }
}
