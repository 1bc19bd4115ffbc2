using Akka.Actor;
using Akka.Coordination;
using LockActors.Coordination;
using LockActors.TestServers.Backends;
using Xunit;

namespace LockActors.Coordination.Tests.Contract;

/// <summary>
/// The <see cref="Lease"/> contract as Akka.Coordination documents it, on one store: free and held leases, re-entry,
/// conditional release, and a loss told through the callback only after the acquire completed. Every test uses two
/// nodes (actor systems) with distinct owners and a lease name of its own.
/// </summary>
public abstract class LeaseContractTests : IAsyncLifetime
{
    private readonly StoreUnderTest _store;
    private LeaseNodes _nodes = null!;
    private ActorSystem _a = null!;
    private ActorSystem _b = null!;

    protected LeaseContractTests(StoreUnderTest store) => _store = store;

    /// <inheritdoc />
    public Task InitializeAsync()
    {
        _nodes = new LeaseNodes(LeaseNodes.RootFor(_store.NewTargetUri), _store.Hocon, _store.ShortTtl);
        _a = _nodes.Start("node-a");
        _b = _nodes.Start("node-b");
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task DisposeAsync() => await _nodes.DisposeAsync();

    /// <summary>A fresh lease name with characters that must be encoded (like sharding's and singleton's names can be).</summary>
    private static string NewLeaseName() => $"sys-shard-Type_{Guid.NewGuid():N}/entity 1";

    [Fact]
    public async Task Free_lease_is_acquired_and_its_sidecar_names_the_owner()
    {
        var lease = LeaseNodes.Lease(_a, NewLeaseName(), "owner-a@127.0.0.1:1");
        Assert.False(lease.CheckLease());
        Assert.True(await lease.Acquire());
        Assert.True(lease.CheckLease());
        Assert.NotNull(lease.FencingToken);
        Assert.StartsWith(_nodes.LeaseRoot, lease.Target, StringComparison.Ordinal);

        var info = await LockActorsExtension.Get(_b).Client.GetInfoAsync(lease.Target);
        Assert.True(info.IsHeld);
        Assert.Equal("owner-a@127.0.0.1:1", info.Metadata!.OwnerId);
        Assert.Equal(_store.ShortTtl, info.Metadata.Ttl);
    }

    [Fact]
    public async Task Lease_held_by_another_owner_is_not_acquired()
    {
        var name = NewLeaseName();
        var a = LeaseNodes.Lease(_a, name, "owner-a");
        var b = LeaseNodes.Lease(_b, name, "owner-b");
        Assert.True(await a.Acquire());
        Assert.False(await b.Acquire());
        Assert.False(b.CheckLease());
        Assert.Null(b.FencingToken);
        Assert.True(a.CheckLease());
        Assert.False(await b.Release()); // not held: nothing to release, and a keeps it
        Assert.True(a.CheckLease());
    }

    [Fact]
    public async Task Holder_acquiring_again_gets_true_and_keeps_its_grant()
    {
        var lease = LeaseNodes.Lease(_a, NewLeaseName(), "owner-a");
        Assert.True(await lease.Acquire());
        var token = lease.FencingToken;
        Assert.True(await lease.Acquire());
        Assert.Equal(token, lease.FencingToken);
    }

    [Fact]
    public async Task Released_lease_goes_to_the_next_owner_with_a_greater_fencing_token()
    {
        var name = NewLeaseName();
        var a = LeaseNodes.Lease(_a, name, "owner-a");
        var b = LeaseNodes.Lease(_b, name, "owner-b");
        Assert.True(await a.Acquire());
        var first = a.FencingToken!.Value;
        Assert.True(await a.Release());
        Assert.False(a.CheckLease());
        Assert.False(await a.Release());
        Assert.True(await b.Acquire());
        Assert.True(b.FencingToken > first, $"token {b.FencingToken} after {first}");
    }

    [Fact]
    public async Task Lost_lease_is_told_after_acquire_completed_and_release_then_leaves_the_new_holder_alone()
    {
        var name = NewLeaseName();
        var a = LeaseNodes.Lease(_a, name, "owner-a");
        var b = LeaseNodes.Lease(_b, name, "owner-b");
        var acquireCompleted = new TaskCompletionSource<Task<bool>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var lost = new TaskCompletionSource<(Exception Error, bool AcquireHadCompleted, bool CheckLease)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var acquire = a.Acquire(e => lost.TrySetResult((e, acquireCompleted.Task.IsCompleted && acquireCompleted.Task.Result.IsCompleted, a.CheckLease())));
        acquireCompleted.SetResult(acquire);
        Assert.True(await acquire);

        // Someone removes the sidecar behind the holder's back (an operator, a broken tool): its next renewal finds out.
        var store = LockActorsExtension.Get(_b).Stores.Resolve(LockTarget.Parse(a.Target));
        var sidecar = LockTarget.Parse(a.Target).Sidecar;
        var snapshot = await store.ReadAsync(sidecar);
        Assert.NotNull(snapshot);
        Assert.True(await store.TryDeleteAsync(sidecar, snapshot.Version));

        var (error, acquireHadCompleted, checkLease) = await lost.Task.WaitAsync(_store.ShortTtl * 3);
        Assert.IsType<LeaseTimeoutException>(error);
        Assert.True(acquireHadCompleted);
        Assert.False(checkLease);
        Assert.False(a.CheckLease());

        Assert.True(await b.Acquire());
        Assert.False(await a.Release()); // conditional: the sidecar is b's now
        Assert.True(b.CheckLease());
        var info = await LockActorsExtension.Get(_a).Client.GetInfoAsync(b.Target);
        Assert.Equal("owner-b", info.Metadata?.OwnerId);
    }

    [Fact]
    public async Task Release_after_the_lease_manager_stopped_answers_at_once_instead_of_waiting_the_operation_timeout()
    {
        var lease = LeaseNodes.Lease(_a, NewLeaseName(), "owner-a");
        Assert.True(await lease.Acquire());
        var manager = await _a.ActorSelection("/system/lock-actors-leases").ResolveOne(TimeSpan.FromSeconds(5));
        await manager.GracefulStop(TimeSpan.FromSeconds(10)); // as when the system is terminated without coordinated shutdown

        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.False(await lease.Release()); // not known to be released: it expires by its TTL
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"Release waited {watch.Elapsed} for a manager that had stopped (operation timeout 10 s)");
    }

    [Fact]
    public async Task Released_lease_never_calls_the_lost_callback()
    {
        var lease = LeaseNodes.Lease(_a, NewLeaseName(), "owner-a");
        var called = 0;
        Assert.True(await lease.Acquire(_ => Interlocked.Increment(ref called)));
        Assert.True(await lease.Release());
        await Task.Delay(_store.ShortTtl);
        Assert.Equal(0, Volatile.Read(ref called));
    }
}

/// <summary>The contract on mem:// (one store shared by the process's actor systems).</summary>
public sealed class MemoryLeaseContractTests() : LeaseContractTests(TestBackends.Memory);

/// <summary>The contract on file://.</summary>
public sealed class FileLeaseContractTests() : LeaseContractTests(TestBackends.File);

/// <summary>The contract on gs:// (the in-repo GCS emulator).</summary>
public sealed class GcsLeaseContractTests() : LeaseContractTests(TestBackends.Gcs);

/// <summary>The contract on s3:// (Ceph RGW started by tests/run-all.sh: LOCKACTORS_S3_*).</summary>
public sealed class S3LeaseContractTests() : LeaseContractTests(TestBackends.S3);
