using Akka.Actor;
using Akka.Configuration;
using LockActors.Client;
using LockActors.Configuration;
using LockActors.Messages;
using LockActors.Storage;
using LockActors.Storage.Stores.S3;
using Xunit;
using Xunit.Abstractions;

namespace LockActors.Tests.Stores.S3;

/// <summary>
/// The store becomes unreachable while a lock is held. The holder must learn it lost the lock (LockLost) before
/// its TTL runs out counted from its last renewal that reached the store — i.e. before any other process may judge
/// the sidecar stale — and nothing is lost: the sidecar stays intact and another process takes it over once stale.
/// Each test talks to the shared RGW through its own <see cref="LoopbackTcpProxy"/>, so other test classes are unaffected.
/// </summary>
public sealed class S3OutageTests : Akka.TestKit.Xunit2.TestKit, IAsyncLifetime
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(3);
    private readonly LoopbackTcpProxy _proxy;
    private readonly ITestOutputHelper _output;
    private ActorSystem? _direct;

    public S3OutageTests(ITestOutputHelper output)
        : this(new LoopbackTcpProxy(S3TestEndpoint.Endpoint), output)
    {
    }

    private S3OutageTests(LoopbackTcpProxy proxy, ITestOutputHelper output)
        : base(Config(proxy.Url, "request-timeout = 2s\nread-retries = 0\nunknown-outcome-attempts = 1"), output: output)
    {
        _proxy = proxy;
        _output = output;
    }

    private static Config Config(string serviceUrl, string s3Extra = "") =>
        ConfigurationFactory.ParseString(S3TestEndpoint.Hocon(serviceUrl, s3Extra) + "\nlock-actors.poll-interval = 100ms\nlock-actors.max-poll-interval = 500ms\nlock-actors.store-operation-timeout = 5s")
            .WithFallback(LockActorsSettings.ReferenceConfig);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        if (_direct is not null)
        {
            await _direct.Terminate();
        }
    }

    [Fact]
    public Task Holder_gets_LockLost_before_its_ttl_ends_when_the_store_refuses_connections() => HolderLosesLockDuring(ProxyMode.Refuse);

    [Fact]
    public Task Holder_gets_LockLost_before_its_ttl_ends_when_the_store_stops_answering() => HolderLosesLockDuring(ProxyMode.Blackhole);

    private async Task HolderLosesLockDuring(ProxyMode outage)
    {
        var locks = LockActorsExtension.Get(Sys);
        var target = $"s3://{S3TestEndpoint.Bucket}/outage/{Guid.NewGuid():N}/file.csv";
        var lostProbe = CreateTestProbe();
        await ((S3LockStore)locks.Stores.Resolve("s3")).ProbeAsync(S3TestEndpoint.Bucket); // not inside the first acquire's time budget
        var granted = await locks.Manager.Ask<LockGranted>(new Acquire(target, Ttl) { NotifyLost = lostProbe.Ref }, TimeSpan.FromSeconds(30));
        await Task.Delay(Ttl / 2); // at least one heartbeat goes through

        _proxy.Mode = outage;
        var cutAt = DateTimeOffset.UtcNow;
        var lost = await lostProbe.ExpectMsgAsync<LockLost>(Ttl * 2);
        var lostAt = DateTimeOffset.UtcNow;
        Assert.Equal(granted.LockId, lost.LockId);

        // Nothing lost: read the sidecar straight from RGW (not through the proxy).
        _direct = ActorSystem.Create("direct", Config(S3TestEndpoint.Endpoint));
        var other = LockActorsExtension.Get(_direct);
        var key = LockTarget.Parse(target).Sidecar;
        var snapshot = await other.Stores.Resolve(key.Target).ReadAsync(key);
        Assert.NotNull(snapshot);
        var lastRenewal = LockMetadataCodec.Decode(key, snapshot.Content.Span);
        Assert.Equal(granted.LockId, lastRenewal.LockId);
        _output.WriteLine($"{outage}: cut {cutAt:HH:mm:ss.fff}, last renewal stored {lastRenewal.HeartbeatAt:HH:mm:ss.fff}, " +
                          $"LockLost {lostAt:HH:mm:ss.fff} ({(lostAt - lastRenewal.HeartbeatAt).TotalMilliseconds:F0} ms after it; TTL {Ttl.TotalMilliseconds} ms): {lost.Reason}");
        Assert.True(lostAt < lastRenewal.HeartbeatAt + Ttl,
            $"LockLost came {(lostAt - lastRenewal.HeartbeatAt).TotalMilliseconds:F0} ms after the last stored renewal; the TTL is {Ttl.TotalMilliseconds} ms");

        // Another process takes it over once stale, with a higher fencing token.
        await using var takeover = await other.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, AcquireTimeout = Ttl * 4 });
        Assert.True(takeover.FencingToken > granted.FencingToken);
    }
}
