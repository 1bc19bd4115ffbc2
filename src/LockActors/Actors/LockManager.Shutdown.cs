using Akka.Actor;
using Akka.Event;

namespace LockActors.Actors;

/// <summary>Shutdown of <see cref="LockManager"/>: every target actor releases what it holds, within a bound.</summary>
public sealed partial class LockManager
{
    private Shutdown? _shutdown;
    private ICancelable? _shutdownDeadline;

    /// <summary>
    /// Refuses acquires from now on and asks every target actor to release its locks and fail its waiters. The
    /// requester is answered when all have done so, or when <c>lock-actors.shutdown-release-timeout</c> runs out.
    /// </summary>
    private void BeginShutdown(IActorRef requester)
    {
        if (_shutdown is { } running)
        {
            if (running.Result is { } result)
            {
                requester.Tell(result);
            }
            else
            {
                running.Requesters.Add(requester);
            }

            return;
        }

        _shutdown = new Shutdown([requester], [.. _targetsByChild.Keys], _children.Count);
        foreach (var child in _targetsByChild.Keys)
        {
            child.Tell(ReleaseForShutdown.Instance);
        }

        _shutdownDeadline = Context.System.Scheduler.ScheduleTellOnceCancelable(_settings.ShutdownReleaseTimeout, Self, ShutdownDeadline.Instance, Self);
        FinishShutdownIfDone();
    }

    private void OnTargetShutDown(IActorRef child)
    {
        if (_shutdown is { Result: null } shutdown && shutdown.Pending.Remove(child))
        {
            FinishShutdownIfDone();
        }
    }

    private void FinishShutdownIfDone()
    {
        if (_shutdown is { Result: null, Pending.Count: 0 })
        {
            FinishShutdown();
        }
    }

    /// <summary>Answers the requesters; targets still pending are named: their sidecars expire by TTL.</summary>
    private void FinishShutdown()
    {
        if (_shutdown is not { Result: null } shutdown)
        {
            return;
        }

        _shutdownDeadline?.Cancel();
        var unconfirmed = shutdown.Pending
            .Select(child => _targetsByChild.TryGetValue(child, out var target) ? target : child.Path.Name)
            .Order(StringComparer.Ordinal)
            .ToArray();
        if (unconfirmed.Length > 0)
        {
            Context.GetLogger().Warning(
                "Shutdown: the release of {0} lock target(s) was not confirmed within {1} (lock-actors.shutdown-release-timeout); their sidecars are left to expire by TTL: {2}",
                unconfirmed.Length, _settings.ShutdownReleaseTimeout, string.Join(", ", unconfirmed.Select(t => t + ".lock")));
        }

        shutdown.Result = new LocksShutDown(shutdown.Targets, unconfirmed);
        foreach (var requester in shutdown.Requesters)
        {
            requester.Tell(shutdown.Result);
        }
    }

    /// <summary>A shutdown in progress (<see cref="Result"/> null) or done.</summary>
    private sealed class Shutdown(List<IActorRef> requesters, HashSet<IActorRef> pending, int targets)
    {
        public List<IActorRef> Requesters { get; } = requesters;

        public HashSet<IActorRef> Pending { get; } = pending;

        public int Targets { get; } = targets;

        public LocksShutDown? Result { get; set; }
    }

    private sealed class ShutdownDeadline
    {
        public static readonly ShutdownDeadline Instance = new();
    }
}
