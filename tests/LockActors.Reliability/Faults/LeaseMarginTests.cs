using System.Collections.Concurrent;
using System.Globalization;
using Akka.Actor;
using LockActors.Messages;
using LockActors.Storage;
using LockActors.TestServers.Faults;
using Xunit;
using Xunit.Abstractions;

namespace LockActors.Reliability.Faults;

/// <summary>
/// Protocol rule 8 (time is send time), proven with delayed replies: system A's establishing write (create, takeover or
/// renewal) applies at once but its reply comes d late, and A's later renewals hang or fail. System B, sharing the
/// store, waits for the same target. Whatever d, A is never handed a grant that outlived its lease, and if it holds one
/// it learns of the loss (Lease.Lost, LockLost, CheckLease false) strictly before B is granted.
/// </summary>
/// <remarks>
/// The loss is told by timers, so a starved process learns it late (its CheckLease() is false on time regardless).
/// The TTL leaves a 0.25 x 2 s + grace margin, and the class runs alone, so CPU starvation on a loaded 2-core box does
/// not pose as an overlap.
/// </remarks>
[Collection(TimingSensitive.Name)]
public sealed class LeaseMarginTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(2);
    private static readonly int[] PercentsOfTtl = [0, 10, 25, 50, 75, 90, 100, 150];
    private static readonly ConcurrentDictionary<string, double> MinMargins = new();

    public enum EstablishingWrite
    {
        Create,
        Takeover,
        Renewal,
    }

    public static TheoryData<string, int, string> CreateCases() => Cases(("mem", "hang"), ("mem", "fail"), ("file", "hang"));

    public static TheoryData<string, int, string> TakeoverCases() => Cases(("mem", "hang"), ("file", "fail"));

    public static TheoryData<string, int, string> RenewalCases() => Cases(("mem", "hang"), ("file", "fail"));

    [Theory]
    [MemberData(nameof(CreateCases))]
    public Task Holder_whose_create_reply_is_late_learns_of_the_loss_before_another_system_is_granted(string scheme, int replyDelayPercentOfTtl, string laterRenewals) =>
        RunAsync(EstablishingWrite.Create, scheme, replyDelayPercentOfTtl, laterRenewals);

    [Theory]
    [MemberData(nameof(TakeoverCases))]
    public Task Holder_whose_takeover_reply_is_late_learns_of_the_loss_before_another_system_is_granted(string scheme, int replyDelayPercentOfTtl, string laterRenewals) =>
        RunAsync(EstablishingWrite.Takeover, scheme, replyDelayPercentOfTtl, laterRenewals);

    [Theory]
    [MemberData(nameof(RenewalCases))]
    public Task Holder_whose_renewal_reply_is_late_learns_of_the_loss_before_another_system_is_granted(string scheme, int replyDelayPercentOfTtl, string laterRenewals) =>
        RunAsync(EstablishingWrite.Renewal, scheme, replyDelayPercentOfTtl, laterRenewals);

    private static TheoryData<string, int, string> Cases(params (string Scheme, string Renewals)[] variants)
    {
        var data = new TheoryData<string, int, string>();
        foreach (var (scheme, renewals) in variants)
        {
            foreach (var f in PercentsOfTtl)
            {
                data.Add(scheme, f, renewals);
            }
        }

        return data;
    }

    private async Task RunAsync(EstablishingWrite write, string scheme, int percentOfTtl, string laterRenewals)
    {
        // A late reply must be delivered late, not turned into a timeout: the store timeout is above the longest delay.
        await using var env = new SharedStoreSystems(scheme, storeOperationTimeout: TimeSpan.FromSeconds(4));
        var (a, target, sidecar) = env.AddSystemAndTarget("A");
        var b = env.AddSystem("B");
        var delay = Ttl * percentOfTtl / 100;
        var renewalFault = laterRenewals == "hang" ? StoreFault.Hang() : StoreFault.FailBeforeApply;

        if (write == EstablishingWrite.Takeover)
        {
            await PlantStaleSidecarAsync(env, target);
        }

        var firstOfItsKind = write == EstablishingWrite.Create ? StorePrimitive.Create : StorePrimitive.Replace;
        a.Store.Next(firstOfItsKind, StoreFault.DelayAfterApply(delay)).Every(StorePrimitive.Replace, renewalFault);

        var holder = new HolderObservation();
        var recorder = a.System.ActorOf(Props.Create(() => new LockLostRecorder(holder)));
        var aReply = a.Locks.Manager.Ask<LockGranted>(new Acquire(target, Ttl) { NotifyLost = recorder }, TimeSpan.FromSeconds(15));
        var aObserved = aReply.ContinueWith(holder.OnReply, TaskScheduler.Default);

        // B starts waiting once A's write is in the store (so B is the one that has to wait for A's lease to end).
        var aWrite = await env.Timeline.WaitForAsync(
            e => e.Store == "A" && e.Key == sidecar && e.IsSuccessfulWrite && e.Primitive == firstOfItsKind,
            TimeSpan.FromSeconds(10));

        var bGrant = new TaskCompletionSource<(LockGranted Grant, long At, bool? ALeaseAtB, long? ALostAtB, long? ALockLostAtB, long? AReceivedAtB)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var bReply = b.Locks.Manager.Ask<LockGranted>(new Acquire(target, Ttl) { WaitTimeout = TimeSpan.FromSeconds(10) }, TimeSpan.FromSeconds(20));
        _ = bReply.ContinueWith(
            t =>
            {
                var at = Mono.Now;
                if (t.IsCompletedSuccessfully)
                {
                    // Read A's state before calling CheckLease (which would itself end an expired lease).
                    var lostAt = holder.LostAt;
                    var lockLostAt = holder.LockLostAt;
                    var receivedAt = holder.ReceivedAt;
                    var lease = holder.Grant?.Lease.CheckLease();
                    bGrant.TrySetResult((t.Result, at, lease, lostAt, lockLostAt, receivedAt));
                }
                else
                {
                    bGrant.TrySetException(t.Exception!.InnerExceptions);
                }
            },
            TaskContinuationOptions.ExecuteSynchronously);

        var b1 = await bGrant.Task.WaitAsync(TimeSpan.FromSeconds(25));

        // A's request must be answered (a grant or a typed failure), never left without a reply.
        Exception? aFailure = null;
        try
        {
            await aReply.WaitAsync(TimeSpan.FromSeconds(20));
        }
        catch (Exception e) when (e is not TimeoutException)
        {
            aFailure = e;
        }

        await aObserved;
        Assert.False(aFailure is AskTimeoutException, $"A's acquire got no answer: {aFailure}");
        var label = string.Create(CultureInfo.InvariantCulture, $"{write} d={percentOfTtl}% of TTL ({delay.TotalMilliseconds:0} ms) store={scheme} renewals={laterRenewals}");
        var bWrite = env.Timeline.Where(e => e.Store == "B" && e.Key == sidecar && e.IsSuccessfulWrite && e.Timestamp <= b1.At).LastOrDefault();
        output.WriteLine($"{label}: A write sent at {StoreTimeline.Format(aWrite.CallStarted)}, applied {StoreTimeline.Format(aWrite.Timestamp)}; B's winning write applied {(bWrite is null ? "?" : StoreTimeline.Format(bWrite.Timestamp))}; B granted {StoreTimeline.Format(b1.At)}");

        if (holder.Grant is null)
        {
            output.WriteLine($"{label}: A was never handed the grant ({aFailure?.GetType().Name}: {aFailure?.Message})");
            Assert.True(b1.Grant.FencingToken > 0);
            return;
        }

        output.WriteLine($"{label}: A handed the grant at {StoreTimeline.Format(holder.ReceivedAt!.Value)}, lease lost at {(holder.LostAt is { } l ? StoreTimeline.Format(l) : "never")}, LockLost at {(holder.LockLostAt is { } m ? StoreTimeline.Format(m) : "never")}");
        Assert.True(b1.AReceivedAtB is not null, $"{label}: A was handed its grant AFTER B was granted (A lease remaining at receipt: {holder.RemainingAtReceipt})");
        Assert.True(b1.ALostAtB is not null, $"{label}: A's Lease.Lost had not fired when B was granted (overlap)");
        Assert.True(b1.ALockLostAtB is not null, $"{label}: A's NotifyLost actor had not been told LockLost when B was granted (overlap)");
        Assert.True(b1.ALostAtB < b1.At, $"{label}: A lost at/after B's grant");
        Assert.False(b1.ALeaseAtB, $"{label}: A's CheckLease() was still true when B was granted");
        Assert.True(b1.Grant.FencingToken > holder.Grant.FencingToken, $"{label}: B's token {b1.Grant.FencingToken} is not above A's {holder.Grant.FencingToken}");

        // The lease may never run past the send-time deadline of the last write confirmed within its own deadline,
        // and the holder is told before the sidecar can be judged stale on the store's clock (its send + TTL, no grace).
        var deadline = SendTimeDeadline(env.Timeline, sidecar, a.Locks.Settings.TrustedLeaseFor(Ttl));
        var toldBy = Mono.Add(deadline - Mono.Add(0, a.Locks.Settings.TrustedLeaseFor(Ttl)), Ttl);
        output.WriteLine($"{label}: send-time deadline {StoreTimeline.Format(deadline)}; lease seen valid until at least {StoreTimeline.Format(holder.MaxValidUntil)}; stale on the store clock from {StoreTimeline.Format(toldBy)}");
        Assert.True(holder.MaxValidUntil <= Mono.Add(deadline, TimeSpan.FromMilliseconds(2)), $"{label}: A's lease was valid until {Mono.Ms(deadline, holder.MaxValidUntil):0.0} ms past the send-time deadline of its last confirmed write");
        // Reported, not asserted: how long before "last confirmed send + TTL" the actor's timer told A (timer lateness on a loaded box).
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{label}: A told {Mono.Ms(Math.Max(b1.ALostAtB!.Value, b1.ALockLostAtB!.Value), toldBy):0.0} ms before last confirmed send + TTL; {Mono.Ms(deadline, Math.Max(b1.ALostAtB!.Value, b1.ALockLostAtB!.Value)):0.0} ms after the send-time deadline"));
        var margin = Mono.Ms(Math.Max(b1.ALostAtB!.Value, b1.ALockLostAtB!.Value), b1.At);
        var writeMargin = bWrite is null ? double.NaN : Mono.Ms(b1.ALostAtB!.Value, bWrite.CallStarted);
        var key = $"{write}/{scheme}/{laterRenewals}";
        MinMargins.AddOrUpdate(key, margin, (_, old) => Math.Min(old, margin));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"MARGIN {label}: B granted {margin:0.0} ms after A learned of the loss; B's winning write was sent {writeMargin:0.0} ms after it; min so far for {key}: {MinMargins[key]:0.0} ms"));
        AppendMarginReport(label, margin, writeMargin);
    }

    /// <summary>
    /// The latest lease deadline A may have: writes are taken in reply order, and one counts only if its reply came
    /// before its own deadline and while the lease was still alive (a late confirmation revives nothing).
    /// </summary>
    private static long SendTimeDeadline(StoreTimeline timeline, string sidecar, TimeSpan trusted)
    {
        long deadline = 0;
        foreach (var reply in timeline.Where(e => e.Store == "A" && e.Key == sidecar && e.Kind == StoreEventKind.Replied && e.Outcome is "created" or "replaced").OrderBy(e => e.Timestamp))
        {
            var own = Mono.Add(reply.CallStarted, trusted);
            if (reply.Timestamp < own && (deadline == 0 || reply.Timestamp < deadline))
            {
                deadline = Math.Max(deadline, own);
            }
        }

        return deadline;
    }

    private static async Task PlantStaleSidecarAsync(SharedStoreSystems env, string target)
    {
        // A holder in a "crashed process": short TTL, never renewed; A must take it over (a compare-and-swap replace).
        var key = LockTarget.Parse(target).Sidecar;
        var ttl = TimeSpan.FromMilliseconds(200);
        var metadata = new LockMetadata("crashed-" + Guid.NewGuid().ToString("N"), "crashed", "elsewhere", 1, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, ttl, 1);
        Assert.NotNull(await env.Inner.TryCreateAsync(key, LockMetadataCodec.Encode(metadata)));
        var staleAfter = ttl + env.Inner.Capabilities.ClockResolution + TimeSpan.FromMilliseconds(150);
        while ((await env.Inner.ReadAsync(key))!.Age <= staleAfter)
        {
            await Task.Delay(20);
        }
    }

    private static void AppendMarginReport(string label, double margin, double writeMargin)
    {
        var path = Environment.GetEnvironmentVariable("LOCKACTORS_MARGIN_REPORT");
        if (!string.IsNullOrEmpty(path))
        {
            File.AppendAllText(path, string.Create(CultureInfo.InvariantCulture, $"{label}\t{margin:0.0}\t{writeMargin:0.0}{Environment.NewLine}"));
        }
    }
}

/// <summary>What system A's caller saw of its grant, on the monotonic clock.</summary>
internal sealed class HolderObservation
{
    private long _lostAt;
    private long _lockLostAt;
    private long _receivedAt;
    private long _maxValidUntil;

    public LockGranted? Grant { get; private set; }

    public TimeSpan? RemainingAtReceipt { get; private set; }

    public long? ReceivedAt => Read(ref _receivedAt);

    public long? LostAt => Read(ref _lostAt);

    public long? LockLostAt => Read(ref _lockLostAt);

    public void OnReply(Task<LockGranted> reply)
    {
        if (!reply.IsCompletedSuccessfully)
        {
            return;
        }

        var now = Mono.Now;
        Grant = reply.Result;
        RemainingAtReceipt = Grant.Lease.Remaining;
        Interlocked.CompareExchange(ref _receivedAt, now, 0);
        Grant.Lease.Lost.Register(() => Interlocked.CompareExchange(ref _lostAt, Mono.Now, 0));
        Sample(Grant.Lease);
        _ = Task.Run(async () =>
        {
            var giveUp = Mono.Add(Mono.Now, TimeSpan.FromSeconds(10));
            while (!Grant.Lease.IsEnded && Mono.Now < giveUp)
            {
                Sample(Grant.Lease);
                await Task.Delay(1);
            }
        });
    }

    /// <summary>The latest instant the lease was seen to be valid until (a lower bound of its deadline at each sample).</summary>
    public long MaxValidUntil => Volatile.Read(ref _maxValidUntil);

    private void Sample(LockLease lease)
    {
        // Remaining is computed from a clock read after 'before', so before + Remaining never overstates the deadline.
        var before = Mono.Now;
        var remaining = lease.Remaining;
        if (remaining > TimeSpan.Zero)
        {
            var until = Mono.Add(before, remaining);
            long seen;
            while (until > (seen = Volatile.Read(ref _maxValidUntil)) && Interlocked.CompareExchange(ref _maxValidUntil, until, seen) != seen)
            {
            }
        }
    }

    public void OnLockLost() => Interlocked.CompareExchange(ref _lockLostAt, Mono.Now, 0);

    private static long? Read(ref long field)
    {
        var v = Volatile.Read(ref field);
        return v == 0 ? null : v;
    }
}

/// <summary>Stands for the acquirer's actor (<c>Acquire.NotifyLost</c>): notes when <see cref="LockLost"/> arrives.</summary>
internal sealed class LockLostRecorder : ReceiveActor
{
    public LockLostRecorder(HolderObservation holder) => Receive<LockLost>(_ => holder.OnLockLost());
}
