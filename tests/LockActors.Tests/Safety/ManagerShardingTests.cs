using Akka.Actor;
using LockActors.Actors;
using LockActors.Client;
using LockActors.Messages;
using Xunit;
using Xunit.Abstractions;

namespace LockActors.Tests.Safety;

/// <summary>
/// The lock manager is a router over <c>lock-actors.manager-shards</c> shards (four here): one target still has one
/// actor whatever its spelling, targets spread over the shards, and what concerns every target (child count, the
/// shutdown release, grants nobody received) reaches every shard.
/// </summary>
public sealed class ManagerShardingTests(ITestOutputHelper output) : MemStoreSafetyTestKit("sharding", output)
{
    [Fact]
    public async Task Every_spelling_of_a_target_reaches_the_same_actor_on_one_shard()
    {
        var id = Guid.NewGuid().ToString("N");
        string[] spellings = [$"mem://sharding/{id}/a.csv", $"MEM://sharding/{id}/a.csv", $"mem://Sharding/{id}/a.csv", $"mem://sharding/{id}/%61.csv"];
        var held = await Acquire(new Acquire(spellings[0], Ttl));
        var actor = await LockManager.ChildOf(Locks.Manager, spellings[0], HangLimit);
        Assert.False(actor.IsNobody());
        foreach (var spelling in spellings)
        {
            Assert.True(actor.Equals(await LockManager.ChildOf(Locks.Manager, spelling, HangLimit)), $"{spelling} reached another actor");
            await Assert.ThrowsAsync<LockAlreadyHeldException>(() => Acquire(new Acquire(spelling, Ttl)));
        }

        await Locks.Manager.Ask<LockReleased>(new Release(spellings[^1], held.LockId), HangLimit);
        await StillServes();
    }

    [Fact]
    public async Task Targets_spread_over_every_shard_and_the_child_count_adds_them_up()
    {
        var before = await ChildCount();
        var targets = Enumerable.Range(0, 64).Select(_ => NewTarget()).ToArray();
        var grants = await Task.WhenAll(targets.Select(t => Acquire(new Acquire(t, Ttl))));
        var parents = new HashSet<ActorPath>();
        foreach (var target in targets)
        {
            parents.Add((await LockManager.ChildOf(Locks.Manager, target, HangLimit)).Path.Parent);
        }

        Assert.Equal(Shards, parents.Count); // 64 targets on 4 shards: a missing shard has odds of 4 × (3/4)^64 ≈ 4e-8
        Assert.True(await ChildCount() >= before + targets.Length, "the child count is every shard's children added up");
        await Task.WhenAll(grants.Select(g => Locks.Manager.Ask<LockReleased>(new Release(g.Target, g.LockId), HangLimit)));
    }

    [Fact]
    public async Task Grants_that_nobody_received_are_released_on_every_shard()
    {
        // The dead letters of grants whose Ask had timed out go to the shard of their target (the router is the
        // subscriber): with 16 targets every shard has some; each is freed within moments of its holder's release.
        var targets = Enumerable.Range(0, 16).Select(_ => NewTarget()).ToArray();
        var holders = await Task.WhenAll(targets.Select(t => Locks.Client.AcquireAsync(t, new LockOptions { Ttl = Ttl })));
        var gaveUp = targets.Select(t => Assert.ThrowsAsync<AskTimeoutException>(() =>
            Locks.Manager.Ask<LockGranted>(new Acquire(t, TimeSpan.FromSeconds(30)) { WaitTimeout = TimeSpan.FromSeconds(20) }, TimeSpan.FromMilliseconds(300))));
        await Task.WhenAll(gaveUp);
        await Task.WhenAll(holders.Select(h => h.ReleaseAsync()));
        foreach (var target in targets)
        {
            await AwaitConditionAsync(async () => !(await Locks.Client.GetInfoAsync(target)).IsHeld, HangLimit);
        }

        await StillServes();
    }

    [Fact]
    public async Task The_shutdown_release_asks_every_shard_and_adds_up_their_answers()
    {
        var targets = Enumerable.Range(0, 16).Select(_ => NewTarget()).ToArray();
        await Task.WhenAll(targets.Select(t => Acquire(new Acquire(t, TimeSpan.FromSeconds(30)))));
        var done = await Locks.Manager.Ask<LocksShutDown>(ShutDownLocks.Instance, HangLimit);
        Assert.True(done.Targets >= targets.Length, $"{done.Targets} target actors asked to release, expected at least {targets.Length}");
        Assert.Empty(done.Unconfirmed);
        foreach (var target in targets)
        {
            Assert.False((await Locks.Client.GetInfoAsync(target)).IsHeld, $"{target} is still held after the shutdown release");
        }

        // Asked again (a second shutdown task), every shard answers with the result it already has.
        Assert.Equal(done.Targets, (await Locks.Manager.Ask<LocksShutDown>(ShutDownLocks.Instance, HangLimit)).Targets);
        await Assert.ThrowsAsync<LockSystemShuttingDownException>(() => Acquire(new Acquire(NewTarget(), Ttl)));
    }

    private Task<int> ChildCount() => Locks.Manager.Ask<int>(LockManager.GetChildCount.Instance, HangLimit);
}
