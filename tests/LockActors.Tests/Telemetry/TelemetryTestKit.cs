using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using LockActors.Configuration;
using LockActors.Storage;
using LockActors.Storage.Stores.Memory;
using LockActors.TestServers.Faults;
using Xunit.Abstractions;

namespace LockActors.Tests.Telemetry;

/// <summary>
/// One actor system per test whose only store is registered under a scheme nobody else uses, so the process-wide
/// <see cref="MetricsRecorder"/> and <see cref="SpanRecorder"/> see this test's measurements and spans only. The store
/// injects faults on demand; <see cref="Raw"/> is the same data without them, and without the measuring decorator the
/// lock manager puts around the actors' store (what a test plants there is not counted).
/// </summary>
public abstract class TelemetryTestKit : Akka.TestKit.Xunit2.TestKit
{
    /// <summary>The TTL of the tests' locks: long enough for a loaded CI machine, short enough to see renewals.</summary>
    protected static readonly TimeSpan Ttl = TimeSpan.FromMilliseconds(1500);

    protected TelemetryTestKit(ITestOutputHelper output)
        : this(MetricsRecorder.NewScheme(), new MemoryLockStore(), output)
    {
    }

    private TelemetryTestKit(string scheme, MemoryLockStore raw, ITestOutputHelper output)
        : this(scheme, raw, new FaultInjectingStore(raw), output)
    {
    }

    private TelemetryTestKit(string scheme, MemoryLockStore raw, FaultInjectingStore store, ITestOutputHelper output)
        : base(ActorSystemSetup.Create(
            BootstrapSetup.Create().WithConfig(ConfigurationFactory.ParseString(
                "lock-actors.store-operation-timeout = 2s\nlock-actors.poll-interval = 50ms\nlock-actors.max-poll-interval = 200ms\nlock-actors.stale-grace = 50ms")
                .WithFallback(LockActorsSettings.ReferenceConfig)),
            new LockActorsSetup(registry => registry.Register(scheme, store))), output: output)
    {
        Scheme = scheme;
        Raw = raw;
        Store = store;
        Metrics = new MetricsRecorder(scheme);
        Spans = new SpanRecorder(scheme);
        Locks = LockActorsExtension.Get(Sys);
    }

    /// <summary>This test's scheme.</summary>
    protected string Scheme { get; }

    /// <summary>The store behind the actors, faults on demand.</summary>
    protected FaultInjectingStore Store { get; }

    /// <summary>The same sidecars, reached directly.</summary>
    protected MemoryLockStore Raw { get; }

    protected MetricsRecorder Metrics { get; }

    protected SpanRecorder Spans { get; }

    protected LockActorsExtension Locks { get; }

    /// <summary>A target nobody has used, under this test's scheme.</summary>
    protected string NewTarget() => $"{Scheme}://ns/{Guid.NewGuid():N}/f.csv";

    /// <summary>The <c>url.scheme</c> tag with this test's scheme.</summary>
    protected (string, string) SchemeTag => ("url.scheme", Scheme);

    /// <summary>Writes a sidecar straight into the store, as another process would.</summary>
    protected async Task<LockMetadata> PlantAsync(string target, TimeSpan ttl, long token, string owner = "dead-owner")
    {
        var key = LockTarget.Parse(target).Sidecar;
        var now = DateTimeOffset.UtcNow;
        var metadata = new LockMetadata("foreign-" + Guid.NewGuid().ToString("N"), owner, "gone-host", 999999, now, now, ttl, token);
        for (var attempt = 0; attempt < 20; attempt++)
        {
            // A live holder may renew between the read and the replace: read again.
            var current = await Raw.ReadAsync(key);
            var written = current is null
                ? await Raw.TryCreateAsync(key, LockMetadataCodec.Encode(metadata))
                : await Raw.TryReplaceAsync(key, LockMetadataCodec.Encode(metadata), current.Version);
            if (written is not null)
            {
                return metadata;
            }
        }

        throw new Xunit.Sdk.XunitException($"could not plant a sidecar on {target}");
    }

    protected override void AfterAll()
    {
        Metrics.Dispose();
        Spans.Dispose();
        base.AfterAll();
    }
}
