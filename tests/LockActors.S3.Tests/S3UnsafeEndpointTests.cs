using Akka.Actor;
using Akka.Configuration;
using LockActors.Client;
using LockActors.Configuration;
using LockActors.Messages;
using LockActors.Storage;
using LockActors.TestServers;
using LockActors.TestServers.S3;
using Xunit;
using Xunit.Abstractions;

namespace LockActors.S3.Tests;

/// <summary>Through the actors: an S3 endpoint that ignores conditional headers (npm s3rver) never grants a lock.</summary>
public sealed class S3UnsafeEndpointTests(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(
    ConfigurationFactory.ParseString($$"""
        lock-actors.stores.s3 {
          provider = "LockActors.S3.S3LockStoreProvider, LockActors.S3"
          service-url = "{{TestEnvironment.Require("LOCKACTORS_S3RVER_ENDPOINT", "npm s3rver (tests/servers/ceph-rgw.sh)")}}"
          force-path-style = on
          access-key = S3RVER
          secret-key = S3RVER
        }
        """).WithFallback(LockActorsSettings.ReferenceConfig), output: output)
{
    [Fact]
    public async Task Acquire_on_an_endpoint_that_ignores_conditional_writes_fails_with_StoreNotSafe()
    {
        var locks = LockActorsExtension.Get(Sys);
        var target = $"s3://{S3TestServer.Bucket}/unsafe/{Guid.NewGuid():N}/a.csv";
        var error = await Assert.ThrowsAsync<StoreNotSafeException>(() => locks.Manager.Ask<LockGranted>(new Acquire(target, TimeSpan.FromSeconds(5)), TimeSpan.FromSeconds(30)));
        Assert.Contains("IGNORES atomic create", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<StoreNotSafeException>(() => locks.Client.TryAcquireAsync(target, new LockOptions { Ttl = TimeSpan.FromSeconds(5) }));
    }
}
