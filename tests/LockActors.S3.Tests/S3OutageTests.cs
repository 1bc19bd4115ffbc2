using LockActors.S3;
using LockActors.Tests.Outage;
using LockActors.TestServers.S3;
using Xunit;
using Xunit.Abstractions;

namespace LockActors.S3.Tests;

/// <summary>RGW refuses connections or stops answering while a lock is held. Each test reaches the shared RGW through
/// its own <see cref="LoopbackTcpProxy"/>, so other test classes are unaffected.</summary>
public sealed class S3OutageTests : StoreOutageSuite, IAsyncLifetime
{
    private readonly LoopbackTcpProxy _proxy;

    public S3OutageTests(ITestOutputHelper output)
        : this(new LoopbackTcpProxy(S3TestServer.Endpoint), output)
    {
    }

    private S3OutageTests(LoopbackTcpProxy proxy, ITestOutputHelper output)
        : base(OutageConfig(S3TestServer.Hocon(proxy.Url, "request-timeout = 2s\nretry.max-attempts = 1"), TimeSpan.FromSeconds(5)), output) =>
        _proxy = proxy;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _proxy.DisposeAsync();

    [Fact]
    public Task Holder_gets_LockLost_before_its_ttl_ends_when_the_store_refuses_connections() => HolderLosesLockDuring(ProxyMode.Refuse);

    [Fact]
    public Task Holder_gets_LockLost_before_its_ttl_ends_when_the_store_stops_answering() => HolderLosesLockDuring(ProxyMode.Blackhole);

    private async Task HolderLosesLockDuring(ProxyMode outage)
    {
        var holder = LockActorsExtension.Get(Sys);
        await ((S3LockStore)holder.Stores.Resolve("s3")).ProbeAsync(S3TestServer.Bucket); // not inside the first acquire's time budget
        await ProveHolderLosesLockBeforeTtlAsync(
            holder,
            $"s3://{S3TestServer.Bucket}/outage/{Guid.NewGuid():N}/file.csv",
            cut: () =>
            {
                _proxy.Mode = outage;
                return Task.CompletedTask;
            },
            restore: () => Task.CompletedTask, // the observer reads RGW directly, not through the proxy
            observer: () => NewSystem("direct", OutageConfig(S3TestServer.Hocon(), TimeSpan.FromSeconds(5))));
    }
}
