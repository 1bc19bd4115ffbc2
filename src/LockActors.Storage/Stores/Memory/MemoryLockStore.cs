using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace LockActors.Storage.Stores.Memory;

/// <summary>
/// The <c>mem://</c> store: sidecars in a process-local dictionary with true compare-and-swap
/// (<see cref="ConcurrentDictionary{TKey,TValue}.TryUpdate"/> / <c>TryRemove(KeyValuePair)</c> on entry identity).
/// Visible only inside this process; use it for tests and for coordination between actor systems of one process.
/// </summary>
public sealed class MemoryLockStore : ILockStore, ILockStoreListing
{
    private static long s_nextVersion;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeProvider _clock;

    /// <summary>Creates an empty store timed by <paramref name="clock"/> (default: the system clock).</summary>
    public MemoryLockStore(TimeProvider? clock = null) => _clock = clock ?? TimeProvider.System;

    /// <summary>One store shared by every registry in the process (the default for <c>mem://</c>).</summary>
    public static MemoryLockStore Shared { get; } = new();

    /// <inheritdoc />
    public StoreCapabilities Capabilities { get; } = new(
        AtomicCreate: true,
        CompareAndSwapReplace: true,
        CompareAndSwapDelete: true,
        CrossProcess: false,
        Clock: StoreClock.LocalHost,
        ClockResolution: TimeSpan.Zero,
        Mechanism: "in-process ConcurrentDictionary with compare-and-swap on entry identity");

    /// <summary>Number of sidecars currently held (tests and benchmarks).</summary>
    internal int Count => _entries.Count;

    /// <inheritdoc />
    public Task<SidecarVersion?> TryCreateAsync(SidecarKey key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        if (TooLarge<SidecarVersion?>(key, content) is { } refused)
        {
            return refused;
        }

        var entry = NewEntry(content);
        return Task.FromResult<SidecarVersion?>(_entries.TryAdd(key.ToString(), entry) ? entry.Version : null);
    }

    /// <inheritdoc />
    public Task<SidecarSnapshot?> ReadAsync(SidecarKey key, CancellationToken cancellationToken = default)
    {
        if (!_entries.TryGetValue(key.ToString(), out var e))
        {
            return Task.FromResult<SidecarSnapshot?>(null);
        }

        // An oversized sidecar reads as its first MaxBytes + 1 bytes with its real version (the ILockStore contract).
        var content = e.Content.AsMemory(0, Math.Min(e.Content.Length, SidecarLimits.MaxBytes + 1));
        return Task.FromResult<SidecarSnapshot?>(new SidecarSnapshot(content, e.Version, e.ModifiedAt, _clock.GetUtcNow()));
    }

    /// <inheritdoc />
    public Task<SidecarVersion?> TryReplaceAsync(SidecarKey key, ReadOnlyMemory<byte> content, SidecarVersion expected, CancellationToken cancellationToken = default)
    {
        if (TooLarge<SidecarVersion?>(key, content) is { } refused)
        {
            return refused;
        }

        var name = key.ToString();
        if (!_entries.TryGetValue(name, out var current) || current.Version != expected)
        {
            return Task.FromResult<SidecarVersion?>(null);
        }

        var next = NewEntry(content);
        return Task.FromResult<SidecarVersion?>(_entries.TryUpdate(name, next, current) ? next.Version : null);
    }

    /// <inheritdoc />
    public Task<bool> TryDeleteAsync(SidecarKey key, SidecarVersion expected, CancellationToken cancellationToken = default)
    {
        var name = key.ToString();
        return Task.FromResult(
            _entries.TryGetValue(name, out var current)
            && current.Version == expected
            && _entries.TryRemove(new KeyValuePair<string, Entry>(name, current)));
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<SidecarKey> ListSidecarsAsync(LockPrefix prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var origin = $"{prefix.Scheme}://{prefix.Authority}";
        var found = _entries.Keys
            .Where(name => name.StartsWith(origin + "/", StringComparison.Ordinal))
            .Select(name => LockTarget.TryParse(name[..^SidecarLimits.Suffix.Length], out var target, out _) ? prefix.SidecarAt(target!.Sidecar.Path) : null)
            .OfType<SidecarKey>()
            .OrderBy(key => key.Path, StringComparer.Ordinal)
            .ToArray();
        foreach (var key in found)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return key;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <summary>Writes raw bytes, bypassing every check (tests use it to plant corrupt sidecars).</summary>
    internal void WriteRaw(SidecarKey key, byte[] content) => _entries[key.ToString()] = new Entry(content, NextVersion(), _clock.GetUtcNow());

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private Entry NewEntry(ReadOnlyMemory<byte> content) => new(content.ToArray(), NextVersion(), _clock.GetUtcNow());

    // Failures are faulted tasks, never synchronous throws, like every other store's.
    private static Task<T>? TooLarge<T>(SidecarKey key, ReadOnlyMemory<byte> content) =>
        content.Length > SidecarLimits.MaxBytes ? Task.FromException<T>(new SidecarTooLargeException(key, content.Length)) : null;

    private static SidecarVersion NextVersion() =>
        new(Interlocked.Increment(ref s_nextVersion).ToString(CultureInfo.InvariantCulture));

    // Reference equality matters: TryUpdate/TryRemove compare against the exact entry read.
    private sealed class Entry(byte[] content, SidecarVersion version, DateTimeOffset modifiedAt)
    {
        public byte[] Content { get; } = content;

        public SidecarVersion Version { get; } = version;

        public DateTimeOffset ModifiedAt { get; } = modifiedAt;
    }
}
