using System.Collections.Concurrent;
using System.Diagnostics;

namespace LockActors.Tests.Telemetry;

/// <summary>
/// Records the <c>LockActors</c> spans that name a target under one URI scheme (the per-test scheme of
/// <see cref="MetricsRecorder"/>), so that tests running in parallel do not see each other's spans.
/// </summary>
public sealed class SpanRecorder : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<Activity> _stopped = new();

    /// <summary>Starts recording every stopped span whose <c>lockactors.target</c> starts with <c><paramref name="scheme"/>://</c>.</summary>
    public SpanRecorder(string scheme)
    {
        var prefix = scheme + "://";
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == LockActorsTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.GetTagItem("lockactors.target") is string target && target.StartsWith(prefix, StringComparison.Ordinal))
                {
                    _stopped.Enqueue(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>The stopped spans named <paramref name="name"/>, in the order they stopped.</summary>
    public IReadOnlyList<Activity> Named(string name) => _stopped.Where(a => a.OperationName == name).ToList();

    /// <inheritdoc />
    public void Dispose() => _listener.Dispose();
}
