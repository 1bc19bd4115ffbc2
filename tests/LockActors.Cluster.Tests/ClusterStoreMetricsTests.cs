using LockActors.Client;
using LockActors.Tests.Telemetry;
using LockActors.TestServers.Faults;
using Xunit;

namespace LockActors.Cluster.Tests;

/// <summary>
/// <c>lockactors.store.operation.duration</c> in cluster mode: the sharded entities' store calls are measured exactly
/// as the local lock manager's are (one place wraps the store for both).
/// </summary>
public sealed class ClusterStoreMetricsTests
{
    private const string Duration = "lockactors.store.operation.duration";
    private const string Primitive = "lockactors.store.primitive";
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Store_operations_of_sharded_entities_are_measured_once_each()
    {
        var scheme = MetricsRecorder.NewScheme(); // the listener sees the whole process: keep only this test's store
        using var metrics = new MetricsRecorder(scheme);
        await using var cluster = new ClusterNodes(scheme: scheme);
        var nodes = await cluster.StartAsync(2);

        // Entities of several targets, from both nodes: whichever node hosts an entity, its calls are measured.
        for (var i = 0; i < 6; i++)
        {
            var handle = await LockActorsExtension.Get(nodes[i % 2]).Client.AcquireAsync(cluster.NewSchemeTarget($"m{i}.csv"), new LockOptions { Ttl = Ttl });
            await handle.ReleaseAsync();
        }

        await MetricsRecorder.Eventually(
            () => metrics.Of(Duration, (Primitive, "try_delete")).Count == cluster.Store.Calls(StorePrimitive.Delete),
            TimeSpan.FromSeconds(10), "every delete measured");
        Assert.Equal(6, cluster.Store.Calls(StorePrimitive.Create));
        Assert.Equal(cluster.Store.Calls(StorePrimitive.Create), metrics.Of(Duration, (Primitive, "try_create")).Count);
        Assert.Equal(cluster.Store.Calls(StorePrimitive.Delete), metrics.Of(Duration, (Primitive, "try_delete")).Count);
        Assert.Equal(6, metrics.Of(Duration, (Primitive, "try_delete")).Count);
        Assert.Empty(metrics.Of("lockactors.store.errors"));
    }
}
