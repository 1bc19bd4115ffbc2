using LockActors.Tests.Outage;
using LockActors.TestServers.Gcs;
using Xunit;
using Xunit.Abstractions;

namespace LockActors.Gcs.Tests;

/// <summary>The GCS endpoint goes away while a lock is held (the emulator is stopped, or answers every request with
/// 503). Each test has its own emulator.</summary>
public sealed class GcsOutageTests : StoreOutageSuite, IAsyncLifetime
{
    private const string Bucket = "outage";
    private readonly GcsEmulator _emulator;

    public GcsOutageTests(ITestOutputHelper output)
        : this(GcsTestEmulator.StartNew(Bucket), output)
    {
    }

    private GcsOutageTests(GcsEmulator emulator, ITestOutputHelper output)
        : base(OutageConfig(GcsTestEmulator.Hocon(emulator, "request-timeout = 1s\nretry.max-attempts = 2"), TimeSpan.FromMilliseconds(2500)), output) =>
        _emulator = emulator;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _emulator.DisposeAsync();

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

    private Task HolderLosesLockDuring(Func<Task> outage, Func<Task> recover) =>
        ProveHolderLosesLockBeforeTtlAsync(
            LockActorsExtension.Get(Sys), $"gs://{Bucket}/held/{Guid.NewGuid():N}/file.csv", outage, recover,
            observer: () => NewSystem("other", OutageConfig(GcsTestEmulator.Hocon(_emulator), TimeSpan.FromMilliseconds(2500))));
}
