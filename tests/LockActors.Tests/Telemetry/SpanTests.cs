using System.Diagnostics;
using LockActors.Client;
using LockActors.TestServers.Faults;
using Xunit;
using Xunit.Abstractions;

namespace LockActors.Tests.Telemetry;

/// <summary>The acquire, release and takeover spans, and the stale-takeover counter.</summary>
public sealed class SpanTests(ITestOutputHelper output) : TelemetryTestKit(output)
{
    [Fact]
    public async Task Acquire_and_release_spans_carry_the_target_and_the_fencing_token_under_the_callers_span()
    {
        using var source = new ActivitySource("LockActors.Tests.Caller");
        using var callerListener = new ActivityListener
        {
            ShouldListenTo = s => s == source,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(callerListener);
        var target = NewTarget();
        using (var caller = source.StartActivity("process file"))
        {
            Assert.NotNull(caller);
            var handle = await Locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl });
            await handle.ReleaseAsync();

            var acquire = Assert.Single(Spans.Named("lockactors.acquire"));
            var release = Assert.Single(Spans.Named("lockactors.release"));
            Assert.Equal(caller.SpanId, acquire.ParentSpanId);
            Assert.Equal(caller.SpanId, release.ParentSpanId);
            foreach (var span in new[] { acquire, release })
            {
                Assert.Equal(handle.Target, span.GetTagItem("lockactors.target"));
                Assert.Equal(handle.FencingToken, span.GetTagItem("lockactors.fencing_token"));
                Assert.Equal(handle.LockId, span.GetTagItem("lockactors.lock_id"));
                Assert.Equal(Scheme, span.GetTagItem("url.scheme"));
                Assert.Equal(ActivityStatusCode.Unset, span.Status);
            }

            Assert.Equal("granted", acquire.GetTagItem("lockactors.acquire.outcome"));
        }
    }

    [Fact]
    public async Task A_failed_acquire_span_has_error_status_and_a_denied_one_does_not()
    {
        var target = NewTarget();
        await using var held = await Locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl });
        Assert.Null(await Locks.Client.TryAcquireAsync(target, new LockOptions { Ttl = Ttl }));
        Store.EveryCall(StoreFault.FailBeforeApply);
        await Assert.ThrowsAsync<LockActors.Storage.StoreUnavailableException>(() => Locks.Client.TryAcquireAsync(NewTarget(), new LockOptions { Ttl = Ttl }));
        Store.ClearFaults();

        var spans = Spans.Named("lockactors.acquire");
        var denied = Assert.Single(spans, s => (string?)s.GetTagItem("lockactors.acquire.outcome") == "denied");
        Assert.Equal(ActivityStatusCode.Unset, denied.Status);
        var failed = Assert.Single(spans, s => (string?)s.GetTagItem("lockactors.acquire.outcome") == "error");
        Assert.Equal(ActivityStatusCode.Error, failed.Status);
        Assert.Equal("LockActors.Storage.StoreUnavailableException", failed.GetTagItem("error.type"));
        Assert.Contains(failed.Events, e => e.Name == "exception");
    }

    [Fact]
    public async Task A_stale_takeover_is_counted_and_traced_under_its_acquire()
    {
        var target = NewTarget();
        await PlantAsync(target, TimeSpan.FromMilliseconds(200), token: 42);
        await using var handle = await Locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, AcquireTimeout = TimeSpan.FromSeconds(10) });
        Assert.True(handle.FencingToken > 42);

        Assert.Equal(1, Metrics.Sum("lockactors.stale.takeovers", SchemeTag));
        var acquire = Assert.Single(Spans.Named("lockactors.acquire"));
        var takeover = Assert.Single(Spans.Named("lockactors.takeover"));
        Assert.Equal(acquire.TraceId, takeover.TraceId);
        Assert.Equal(acquire.SpanId, takeover.ParentSpanId);
        Assert.Equal(handle.Target, takeover.GetTagItem("lockactors.target"));
        Assert.Equal(handle.FencingToken, takeover.GetTagItem("lockactors.fencing_token"));
        Assert.Equal("taken", takeover.GetTagItem("lockactors.takeover.outcome"));
        Assert.True(takeover.StartTimeUtc >= acquire.StartTimeUtc && takeover.Duration <= acquire.Duration);
    }
}
