using Akka.Actor;
using Akka.Configuration;
using LockActors.Client;
using LockActors.Configuration;
using LockActors.Messages;
using LockActors.Storage;
using LockActors.TestServers.Sftp;
using Xunit;
using Xunit.Abstractions;

namespace LockActors.Tests.Stores.Sftp;

/// <summary>
/// sshd is killed while a lock is held. The holder must get LockLost before its TTL runs out counted from its last
/// renewal that reached the server, the sidecar must survive, and another process takes it over once stale. The test
/// runs its own private sshd (same port and keys across the restart), never the shared one.
/// </summary>
public sealed class SftpOutageTests : Akka.TestKit.Xunit2.TestKit, IAsyncLifetime
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(3);
    private readonly string _stateDir = Path.Combine(Path.GetTempPath(), "lockactors-sftp-outage-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly ITestOutputHelper _output;
    private SftpTestServer _server = null!;
    private ActorSystem? _other;

    public SftpOutageTests(ITestOutputHelper output)
        : base(ConfigurationFactory.ParseString("akka.loglevel = INFO"), output: output)
    {
        _output = output;
    }

    public async Task InitializeAsync() => _server = await SftpTestServer.StartPrivateAsync(_stateDir);

    public async Task DisposeAsync()
    {
        if (_other is not null)
        {
            await _other.Terminate();
        }

        await _server.StopAsync();
        Directory.Delete(_stateDir, recursive: true);
    }

    private Config SystemConfig() =>
        ConfigurationFactory.ParseString(_server.Hocon("connect-timeout = 3s\noperation-timeout = 1500ms\nkeep-alive-interval = 1s") +
                                         "\nlock-actors.poll-interval = 100ms\nlock-actors.max-poll-interval = 500ms\nlock-actors.store-operation-timeout = 3s")
            .WithFallback(LockActorsSettings.ReferenceConfig);

    [Fact]
    public async Task Holder_gets_LockLost_before_its_ttl_ends_when_sshd_is_killed()
    {
        var holder = ActorSystem.Create("holder", SystemConfig());
        try
        {
            var locks = LockActorsExtension.Get(holder);
            var dir = _server.Root + "/outage-" + Guid.NewGuid().ToString("N");
            using (var raw = _server.RawClient())
            {
                raw.CreateDirectory(dir);
            }

            var target = _server.UriOf(dir + "/file.csv");
            var lostProbe = CreateTestProbe();
            var granted = await locks.Manager.Ask<LockGranted>(new Acquire(target, Ttl) { NotifyLost = lostProbe.Ref }, TimeSpan.FromSeconds(30));
            await Task.Delay(Ttl / 2); // at least one heartbeat goes through

            _server.KillPrivate();
            var killedAt = DateTimeOffset.UtcNow;
            var lost = await lostProbe.ExpectMsgAsync<LockLost>(Ttl * 2);
            var lostAt = DateTimeOffset.UtcNow;
            Assert.Equal(granted.LockId, lost.LockId);

            // sshd comes back (same port, same host key): the sidecar of the last renewal is intact.
            _server = await SftpTestServer.StartPrivateAsync(_stateDir);
            _other = ActorSystem.Create("other", SystemConfig());
            var other = LockActorsExtension.Get(_other);
            var key = LockTarget.Parse(target).Sidecar;
            var snapshot = await other.Stores.Resolve(key.Target).ReadAsync(key);
            Assert.NotNull(snapshot);
            var lastRenewal = LockMetadataCodec.Decode(key, snapshot.Content.Span);
            Assert.Equal(granted.LockId, lastRenewal.LockId);
            _output.WriteLine($"sshd killed {killedAt:HH:mm:ss.fff}, last renewal stored {lastRenewal.HeartbeatAt:HH:mm:ss.fff}, " +
                              $"LockLost {lostAt:HH:mm:ss.fff} ({(lostAt - lastRenewal.HeartbeatAt).TotalMilliseconds:F0} ms after it; TTL {Ttl.TotalMilliseconds} ms): {lost.Reason}");
            Assert.True(lostAt < lastRenewal.HeartbeatAt + Ttl,
                $"LockLost came {(lostAt - lastRenewal.HeartbeatAt).TotalMilliseconds:F0} ms after the last stored renewal; the TTL is {Ttl.TotalMilliseconds} ms");

            // Another process takes it over once stale, with a higher fencing token.
            await using var takeover = await other.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, AcquireTimeout = Ttl * 4 });
            Assert.True(takeover.FencingToken > granted.FencingToken);
        }
        finally
        {
            await holder.Terminate();
        }
    }

    [Fact]
    public async Task Acquire_while_sshd_is_down_fails_typed_and_claims_nothing()
    {
        var system = ActorSystem.Create("down", SystemConfig());
        try
        {
            var dir = _server.Root + "/down-" + Guid.NewGuid().ToString("N");
            using (var raw = _server.RawClient())
            {
                raw.CreateDirectory(dir);
            }

            var target = _server.UriOf(dir + "/file.csv");
            _server.KillPrivate();
            var locks = LockActorsExtension.Get(system);
            var error = await Assert.ThrowsAnyAsync<Exception>(() =>
                locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, AcquireTimeout = TimeSpan.FromSeconds(2) }));
            _output.WriteLine($"{error.GetType().Name}: {error.Message}");
            Assert.IsAssignableFrom<StoreUnavailableException>(error is StoreUnavailableException ? error : error.InnerException ?? error);

            _server = await SftpTestServer.StartPrivateAsync(_stateDir);
            using var check = _server.RawClient();
            Assert.False(check.Exists(LockTarget.Parse(target).Sidecar.Path));
        }
        finally
        {
            await system.Terminate();
        }
    }
}
