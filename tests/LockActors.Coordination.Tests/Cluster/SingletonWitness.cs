using System.Diagnostics;
using Akka.Actor;

namespace LockActors.Coordination.Tests.Cluster;

/// <summary>Records every start and stop of the singleton across all nodes of a test, and the most ever running at once.</summary>
public sealed class SingletonRecord
{
    private readonly object _gate = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<(string Node, string Event, TimeSpan At)> _events = [];
    private int _running;

    /// <summary>The most instances that were running at the same moment.</summary>
    public int MaxRunning { get; private set; }

    /// <summary>Time since the record was created.</summary>
    public TimeSpan Now => _clock.Elapsed;

    /// <summary>When <paramref name="node"/>'s instance started (the last time), or null.</summary>
    public TimeSpan? StartedOn(string node)
    {
        lock (_gate)
        {
            return _events.LastOrDefault(e => e.Node == node && e.Event == "start") is { Event: not null } found ? found.At : null;
        }
    }

    /// <summary>Every event, for the test output.</summary>
    public string Describe()
    {
        lock (_gate)
        {
            return string.Join(", ", _events.Select(e => $"{e.At.TotalSeconds:0.000}s {e.Node} {e.Event}"));
        }
    }

    internal void Started(string node)
    {
        lock (_gate)
        {
            _running++;
            MaxRunning = Math.Max(MaxRunning, _running);
            _events.Add((node, "start", Now));
        }
    }

    internal void Stopped(string node)
    {
        lock (_gate)
        {
            _running--;
            _events.Add((node, "stop", Now));
        }
    }
}

/// <summary>The singleton under test: it only reports its own life to a <see cref="SingletonRecord"/>.</summary>
public sealed class SingletonWitness(SingletonRecord record, string node) : ReceiveActor
{
    /// <inheritdoc />
    protected override void PreStart() => record.Started(node);

    /// <inheritdoc />
    protected override void PostStop() => record.Stopped(node);
}
