using BenchmarkDotNet.Attributes;
using LockActors.Actors;
using LockActors.Storage;
using LockActors.Storage.Stores.Memory;

namespace LockActors.Benchmarks.Micro;

[MemoryDiagnoser]
public class CodecBenchmarks
{
    private readonly LockMetadata _metadata = new("0123abcd-" + Guid.NewGuid().ToString("N"), "host/1234", "host", 1234,
        DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, TimeSpan.FromSeconds(30), 42);

    private readonly SidecarKey _key = LockTarget.Parse("file:///data/in/a.csv").Sidecar;
    private byte[] _encoded = [];

    [GlobalSetup]
    public void Setup() => _encoded = LockMetadataCodec.Encode(_metadata);

    [Benchmark]
    public byte[] Encode() => LockMetadataCodec.Encode(_metadata);

    [Benchmark]
    public LockMetadata Decode() => LockMetadataCodec.Decode(_key, _encoded);
}

[MemoryDiagnoser]
public class TargetBenchmarks
{
    [Params("file:///data/inbox/2026/11/23/batch-0042/a.csv", "s3://bucket/inbox/2026/11/23/a.csv", "mem://bench/f123.csv")]
    public string Uri { get; set; } = string.Empty;

    [Benchmark]
    public LockTarget Parse() => LockTarget.Parse(Uri);

    /// <summary>Parse plus the lazily built <see cref="System.Uri"/>: what every target cost before round 2 (a Uri per target).</summary>
    [Benchmark]
    public Uri ParseWithUri() => LockTarget.Parse(Uri).Uri;
}

[MemoryDiagnoser]
public class MemoryStoreBenchmarks
{
    private readonly MemoryLockStore _store = new();
    private readonly SidecarKey _key = LockTarget.Parse("mem://bench/f1.csv").Sidecar;
    private readonly byte[] _content = LockMetadataCodec.Encode(new LockMetadata("id", "owner", "host", 1, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, TimeSpan.FromSeconds(30), 1));

    [Benchmark]
    public async Task<bool> TryCreateThenTryDelete()
    {
        var version = await _store.TryCreateAsync(_key, _content).ConfigureAwait(false);
        return await _store.TryDeleteAsync(_key, version!.Value).ConfigureAwait(false);
    }
}

/// <summary>
/// The cancellation of one store operation: a source with a timer of its own (before round 2) against one that the
/// actor's store-op timer cancels (now). Both as the target actor uses them: made, handed to the operation, dropped.
/// </summary>
[MemoryDiagnoser]
public class StoreOpCancellationBenchmarks
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    // Kept in a field, as the actor keeps it: a source that does not escape is stack-allocated by the JIT (0 B).
    private CancellationTokenSource? _current;

    [Benchmark(Baseline = true)]
    public bool WithOwnTimer()
    {
        _current?.Dispose();
        _current = new CancellationTokenSource(Timeout);
        return _current.Token.CanBeCanceled;
    }

    [Benchmark]
    public bool CancelledByTheActorsTimer()
    {
        _current = new CancellationTokenSource();
        return _current.Token.CanBeCanceled;
    }
}
