using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace LockActors.Tests.Telemetry;

/// <summary>One measurement of a <c>LockActors</c> instrument, with its tags.</summary>
public sealed record RecordedMeasurement(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags)
{
    /// <summary>The tag's value as a string (null when absent).</summary>
    public string? Tag(string name) => Tags.TryGetValue(name, out var value) ? value?.ToString() : null;
}

/// <summary>
/// Records the <c>LockActors</c> meter's measurements for one URI scheme. A <see cref="MeterListener"/> sees every meter
/// of the process, and tests run in parallel: each test registers its store under a scheme of its own and keeps only
/// the measurements tagged with it.
/// </summary>
public sealed class MetricsRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<RecordedMeasurement> _measurements = new();
    private readonly string _scheme;

    /// <summary>Starts listening for measurements tagged <c>url.scheme = <paramref name="scheme"/></c>.</summary>
    public MetricsRecorder(string scheme)
    {
        _scheme = scheme;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == LockActorsTelemetry.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>A URI scheme of letters only, unique to one test: register the test's store under it and record it.</summary>
    public static string NewScheme() => "tel" + string.Concat(Guid.NewGuid().ToString("N")[..10].Select(c => (char)('a' + (Convert.ToInt32(c.ToString(), 16) % 26))));

    /// <summary>Every measurement so far of <paramref name="instrument"/> whose tags include all of <paramref name="tags"/>.</summary>
    public IReadOnlyList<RecordedMeasurement> Of(string instrument, params (string Name, string Value)[] tags) =>
        _measurements.Where(m => m.Instrument == instrument && tags.All(t => m.Tag(t.Name) == t.Value)).ToList();

    /// <summary>The sum of the matching measurements of a counter.</summary>
    public double Sum(string instrument, params (string Name, string Value)[] tags) => Of(instrument, tags).Sum(m => m.Value);

    /// <summary>The current value of an observable instrument for this scheme (asks the observable callbacks now).</summary>
    public double Observe(string instrument)
    {
        _listener.RecordObservableInstruments();
        return Of(instrument).LastOrDefault()?.Value ?? 0;
    }

    /// <summary>Waits until <paramref name="condition"/> holds, for at most <paramref name="limit"/>.</summary>
    public static async Task Eventually(Func<bool> condition, TimeSpan limit, string what)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"not within {limit}: {what}");
            }

            await Task.Delay(20);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _listener.Dispose();

    private void Record<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        where T : struct
    {
        var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            copy[tag.Key] = tag.Value;
        }

        if (copy.TryGetValue("url.scheme", out var scheme) && Equals(scheme, _scheme))
        {
            _measurements.Enqueue(new RecordedMeasurement(instrument.Name, Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture), copy));
        }
    }
}
