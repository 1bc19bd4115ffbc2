using System.Diagnostics;
using Akka.Actor;
using LockActors.Messages;
using LockActors.Storage;
using LockActors.TestServers.Faults;
using Xunit;
using Xunit.Abstractions;

namespace LockActors.Reliability.Faults;

/// <summary>
/// Issue 9 §5: store-operation timeouts are enforced by the actor even when a store ignores its cancellation token,
/// and a write that timed out is an unknown outcome that the next step resolves by reading.
/// </summary>
public sealed class StoreTimeoutTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StoreTimeout = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(3);

    // An answer is due after at most a few store timeouts (the call, a re-read, a clean-up), plus scheduling slack.
    private static readonly TimeSpan AnswerDue = (StoreTimeout * 4) + TimeSpan.FromSeconds(2);

    [Theory]
    [InlineData(StorePrimitive.Create)]
    [InlineData(StorePrimitive.Read)]
    public async Task Store_call_that_ignores_cancellation_and_hangs_does_not_keep_the_target_busy(StorePrimitive hung)
    {
        await using var env = new SharedStoreSystems("mem", StoreTimeout);
        var (a, target, _) = env.AddSystemAndTarget("A");
        if (hung == StorePrimitive.Read)
        {
            await a.Locks.Manager.Ask<LockInfo>(new GetLockInfo(target), TimeSpan.FromSeconds(5)); // warm the actor
        }

        a.Store.Next(hung, StoreFault.Hang(ignoreCancellation: true));
        var started = Stopwatch.StartNew();
        var first = hung == StorePrimitive.Create
            ? (Task)a.Locks.Manager.Ask<LockGranted>(new Acquire(target, Ttl), AnswerDue + TimeSpan.FromSeconds(5))
            : a.Locks.Manager.Ask<LockInfo>(new GetLockInfo(target), AnswerDue + TimeSpan.FromSeconds(5));
        var firstOutcome = await RequestOutcome.OfAsync(first);
        output.WriteLine($"first request ({hung} hung, ignoring cancellation): {firstOutcome} after {started.ElapsedMilliseconds} ms");
        Assert.False(firstOutcome is "no answer", $"the request whose {hung} hung got no answer: the actor waits on the store forever");
        Assert.True(firstOutcome is "granted" or "info" or nameof(StoreUnavailableException), $"typed outcome expected, got {firstOutcome}");
        Assert.True(started.Elapsed < AnswerDue, $"answered after {started.Elapsed}, more than {AnswerDue}");

        // The target serves other requests while the hung call is still pending in the store.
        started.Restart();
        var info = await RequestOutcome.OfAsync(a.Locks.Manager.Ask<LockInfo>(new GetLockInfo(target), AnswerDue + TimeSpan.FromSeconds(5)));
        var second = await RequestOutcome.OfAsync(a.Locks.Manager.Ask<LockGranted>(new Acquire(target, Ttl), AnswerDue + TimeSpan.FromSeconds(5)));
        output.WriteLine($"then: info {info}, second acquire {second} after {started.ElapsedMilliseconds} ms");
        Assert.Equal("info", info);
        Assert.True(second is "granted" or nameof(LockAlreadyHeldException), $"second acquire: {second}");
        Assert.True(started.Elapsed < AnswerDue * 2, $"other requests on the target waited {started.Elapsed}");
    }

    [Theory]
    [InlineData(StorePrimitive.Create)]
    [InlineData(StorePrimitive.Replace)]
    [InlineData(StorePrimitive.Delete)]
    public async Task Write_that_timed_out_counts_as_unknown_outcome_and_the_next_store_call_re_reads(StorePrimitive write)
    {
        await using var env = new SharedStoreSystems("mem", StoreTimeout);
        var (a, target, sidecar) = env.AddSystemAndTarget("A");

        // Applied, then no reply at all, and the store ignores the actor's cancellation: only the actor's own timeout ends it.
        a.Store.Next(write, StoreFault.ApplyThenHang(ignoreCancellation: true));
        Task request;
        if (write == StorePrimitive.Create)
        {
            request = a.Locks.Manager.Ask<LockGranted>(new Acquire(target, Ttl), AnswerDue + TimeSpan.FromSeconds(5));
        }
        else
        {
            var granted = await a.Locks.Manager.Ask<LockGranted>(new Acquire(target, Ttl), TimeSpan.FromSeconds(5));
            request = write == StorePrimitive.Delete
                ? a.Locks.Manager.Ask<LockReleased>(new Release(target, granted.LockId), AnswerDue + TimeSpan.FromSeconds(5))
                : Task.CompletedTask; // the renewal comes by itself after ttl/3
        }

        var hungCall = await env.Timeline.WaitForAsync(e => e.Is(sidecar, write, StoreEventKind.Hung), Ttl * 2);
        StoreEvent next;
        try
        {
            next = await env.Timeline.WaitForAsync(e => e.Key == sidecar && e.Kind == StoreEventKind.Called && e.CallId > hungCall.CallId, Ttl);
        }
        catch (TimeoutException)
        {
            output.WriteLine(env.Timeline.Dump());
            throw new Xunit.Sdk.XunitException($"no store call followed the {write} that applied and never replied: the actor is stuck waiting on it");
        }

        output.WriteLine(env.Timeline.Dump());
        Assert.True(next.Primitive == StorePrimitive.Read, $"after the timed-out {write} (unknown outcome) the next store call was a {next.Primitive}, not a re-read");
        var outcome = await RequestOutcome.OfAsync(request);
        output.WriteLine($"request outcome: {outcome}");
        Assert.False(outcome is "no answer", "the request got no answer");
    }
}
