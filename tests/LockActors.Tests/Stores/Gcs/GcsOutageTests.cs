using Akka.Actor;
using Akka.Configuration;
using LockActors.Client;
using LockActors.Configuration;
using LockActors.Messages;
using LockActors.Storage;
using LockActors.Storage.Stores.Gcs;
using LockActors.TestServers.Gcs;
using Xunit;
using Xunit.Abstractions;

namespace LockActors.Tests.Stores.Gcs;

/// <summary>
/// The GCS endpoint goes away while a lock is held (the emulator is stopped, or answers every request with 503). The
/// holder must learn it lost the lock (LockLost) before its TTL runs out counted from its last renewal that reached
/// the store — before any other process may judge the sidecar stale — and nothing is lost: the sidecar stays intact and
/// another process takes it over once stale, with a higher fencing token. Each test has its own emulator.
/// </summary>
public sealed class GcsOutageTests : Akka.TestKit.Xunit2.TestKit, IAsyncLifetime
{
    private const string Bucket = "outage";
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(3);
    private readonly GcsEmulator _emulator;
    private readonly ITestOutputHelper _output;
    private ActorSystem? _other;

    public GcsOutageTests(ITestOutputHelper output)
        : this(GcsTestEmulator.StartNew(Bucket), output)
    {
    }

    private GcsOutageTests(GcsEmulator emulator, ITestOutputHelper output)
        : base(Config(emulator, "request-timeout = 1s\nretry.max-attempts = 2"), output: output)
    {
        _emulator = emulator;
        _output = output;
    }

    private static Config Config(GcsEmulator emulator, string extra = "") =>
        ConfigurationFactory.ParseString(GcsTestEmulator.Hocon(emulator, extra) +
                                         "\nlock-actors.poll-interval = 100ms\nlock-actors.max-poll-interval = 500ms\nlock-actors.store-operation-timeout = 2500ms")
            .WithFallback(LockActorsSettings.ReferenceConfig);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_other is not null)
        {
            await _other.Terminate();
        }

        await _emulator.DisposeAsync();
    }

    [Fact]
    public Task Holder_gets_LockLost_before_its_ttl_ends_when_the_emulator_is_stopped() =>
        HolderLosesLockDuring(() => _emulator.StopAsync(), () => _emulator.StartAsync());

    [Fact]
    public Task Holder_gets_LockLost_before_its_ttl_ends_when_every_request_fails_with_503() =>
        HolderLosesLockDuring(
            () =>
            {
                _emulator.Faults.FailNext(int.MaxValue, 503);
                return Task.CompletedTask;
            },
            () =>
            {
                _emulator.Faults.Clear();
                return Task.CompletedTask;
            });

    private async Task HolderLosesLockDuring(Func<Task> outage, Func<Task> recover)
    {
        var locks = LockActorsExtension.Get(Sys);
        var target = $"gs://{Bucket}/held/{Guid.NewGuid():N}/file.csv";
        var lostProbe = CreateTestProbe();
        var granted = await locks.Manager.Ask<LockGranted>(new Acquire(target, Ttl) { NotifyLost = lostProbe.Ref }, TimeSpan.FromSeconds(30));
        await Task.Delay(Ttl / 2); // at least one heartbeat goes through

        await outage();
        var cutAt = DateTimeOffset.UtcNow;
        var lost = await lostProbe.ExpectMsgAsync<LockLost>(Ttl * 2);
        var lostAt = DateTimeOffset.UtcNow;
        Assert.Equal(granted.LockId, lost.LockId);
        await recover();

        // Nothing lost: the last renewal is still in the bucket (read straight from the emulator's state).
        var key = LockTarget.Parse(target).Sidecar;
        var stored = _emulator.GetObject(key.Authority, key.ObjectName);
        Assert.NotNull(stored);
        var lastRenewal = LockMetadataCodec.Decode(key, stored.Value.Content);
        Assert.Equal(granted.LockId, lastRenewal.LockId);
        _output.WriteLine($"cut {cutAt:HH:mm:ss.fff}, last renewal stored {lastRenewal.HeartbeatAt:HH:mm:ss.fff}, " +
                          $"LockLost {lostAt:HH:mm:ss.fff} ({(lostAt - lastRenewal.HeartbeatAt).TotalMilliseconds:F0} ms after it; TTL {Ttl.TotalMilliseconds} ms): {lost.Reason}");
        Assert.True(lostAt < lastRenewal.HeartbeatAt + Ttl,
            $"LockLost came {(lostAt - lastRenewal.HeartbeatAt).TotalMilliseconds:F0} ms after the last stored renewal; the TTL is {Ttl.TotalMilliseconds} ms");

        // Another process takes it over once stale, with a higher fencing token and a higher generation.
        _other = ActorSystem.Create("other", Config(_emulator));
        var other = LockActorsExtension.Get(_other);
        await using var takeover = await other.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, AcquireTimeout = Ttl * 4 });
        Assert.True(takeover.FencingToken > granted.FencingToken);
        Assert.True(_emulator.GetObject(key.Authority, key.ObjectName)!.Value.Generation > stored.Value.Generation);
    }
}
