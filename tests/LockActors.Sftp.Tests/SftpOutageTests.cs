using Akka.Configuration;
using LockActors.Client;
using LockActors.Storage;
using LockActors.Tests.Outage;
using LockActors.TestServers.Sftp;
using Xunit;
using Xunit.Abstractions;

namespace LockActors.Sftp.Tests;

/// <summary>
/// sshd is killed while a lock is held. The holder must get LockLost before its TTL runs out counted from its last
/// renewal that reached the server, the sidecar must survive, and another process takes it over once stale. The test
/// runs its own private sshd (same port and keys across the restart), never the shared one.
/// </summary>
public sealed class SftpOutageTests : StoreOutageSuite, IAsyncLifetime
{
    private readonly string _stateDir = Path.Combine(Path.GetTempPath(), "lockactors-sftp-outage-" + Guid.NewGuid().ToString("N")[..8]);
    private SftpTestServer _server = null!;

    public SftpOutageTests(ITestOutputHelper output)
        : base(ConfigurationFactory.ParseString("akka.loglevel = INFO"), output)
    {
    }

    public async Task InitializeAsync() => _server = await SftpTestServer.StartPrivateAsync(_stateDir);

    public async Task DisposeAsync()
    {
        await _server.StopAsync();
        Directory.Delete(_stateDir, recursive: true);
    }

    private Config SystemConfig() =>
        OutageConfig(_server.Hocon("connect-timeout = 3s\noperation-timeout = 1500ms\nkeep-alive-interval = 1s"), TimeSpan.FromSeconds(3));

    private string NewTarget(string prefix)
    {
        var dir = _server.Root + "/" + prefix + "-" + Guid.NewGuid().ToString("N");
        using (var raw = _server.RawClient())
        {
            raw.CreateDirectory(dir);
        }

        return _server.UriOf(dir + "/file.csv");
    }

    /// <summary>Connects and runs the one-time server safety probe outside the timed scenario (it races 2 extra SSH
    /// logins, which on a loaded 2-core machine can take longer than this suite's 3 s store-operation timeout).</summary>
    private LockActorsExtension Warm(LockActorsExtension system)
    {
        var store = system.Stores.Resolve("sftp");
        var key = LockTarget.Parse(NewTarget("warm")).Sidecar;
        var version = store.TryCreateAsync(key, "{}"u8.ToArray()).GetAwaiter().GetResult();
        store.TryDeleteAsync(key, version!.Value).GetAwaiter().GetResult();
        return system;
    }

    [Fact]
    public Task Holder_gets_LockLost_before_its_ttl_ends_when_sshd_is_killed() =>
        ProveHolderLosesLockBeforeTtlAsync(
            Warm(NewSystem("holder", SystemConfig())),
            NewTarget("outage"),
            cut: () =>
            {
                _server.KillPrivate();
                return Task.CompletedTask;
            },
            restore: async () => _server = await SftpTestServer.StartPrivateAsync(_stateDir), // same port and host key
            observer: () => Warm(NewSystem("other", SystemConfig())));

    [Fact]
    public async Task Acquire_while_sshd_is_down_fails_typed_and_claims_nothing()
    {
        var locks = NewSystem("down", SystemConfig());
        var target = NewTarget("down");
        _server.KillPrivate();
        var error = await Assert.ThrowsAnyAsync<Exception>(() =>
            locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, AcquireTimeout = TimeSpan.FromSeconds(2) }));
        Output.WriteLine($"{error.GetType().Name}: {error.Message}");
        // A waiting acquire retries a transient outage within its wait, then names the outage as the last store error.
        var timeout = Assert.IsType<LockAcquireTimeoutException>(error);
        Assert.IsType<StoreUnavailableException>(timeout.InnerException);

        _server = await SftpTestServer.StartPrivateAsync(_stateDir);
        using var check = _server.RawClient();
        Assert.False(check.Exists(LockTarget.Parse(target).Sidecar.Path));
    }
}
