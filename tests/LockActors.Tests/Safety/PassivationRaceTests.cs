using Akka.Actor;
using LockActors.Actors;
using LockActors.Messages;
using Xunit;
using Xunit.Abstractions;

namespace LockActors.Tests.Safety;

/// <summary>
/// Requests that arrive while their target's actor is being passivated (asked to stop, not yet stopped) are buffered
/// by its shard and routed once the actor has stopped or declined: none is lost, none reaches a second actor, and the
/// shard's tables are given back as targets passivate. A passivate-after of 40 ms with requests 20–120 ms apart puts
/// many requests inside that window.
/// </summary>
public sealed class PassivationRaceTests(ITestOutputHelper output)
    : MemStoreSafetyTestKit("passivation", output, "lock-actors.passivate-after = 40ms")
{
    [Fact]
    public async Task Requests_racing_passivation_are_all_answered_and_the_actors_then_passivate()
    {
        var targets = Enumerable.Range(0, 64).Select(_ => NewTarget()).ToArray();
        var answered = 0;
        await Task.WhenAll(targets.Select(async (target, i) =>
        {
            var random = new Random(i);
            long lastToken = 0;
            for (var round = 0; round < 15; round++)
            {
                var granted = await Acquire(new Acquire(target, Ttl));
                Assert.True(granted.FencingToken > lastToken, $"{target}: token {granted.FencingToken} after {lastToken}");
                lastToken = granted.FencingToken;
                await Locks.Manager.Ask<LockReleased>(new Release(target, granted.LockId), HangLimit);
                Interlocked.Increment(ref answered);
                await Task.Delay(random.Next(20, 120));
            }
        }));

        Assert.Equal(64 * 15, answered);
        await AwaitAssertAsync(async () => Assert.Equal(0, await ChildCount()), HangLimit, TimeSpan.FromMilliseconds(100));
        await StillServes();
    }

    private Task<int> ChildCount() => Locks.Manager.Ask<int>(LockManager.GetChildCount.Instance, HangLimit);
}
