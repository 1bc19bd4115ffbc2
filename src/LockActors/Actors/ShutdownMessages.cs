using Akka.Actor;

namespace LockActors.Actors;

/// <summary>
/// Sent by the coordinated-shutdown task to <see cref="LockManager"/>: refuse new acquires, release every held lock, fail
/// every queued waiter. Replied with <see cref="LocksShutDown"/> once every target actor is done, or when
/// <c>lock-actors.shutdown-release-timeout</c> runs out.
/// </summary>
internal sealed class ShutDownLocks
{
    public static readonly ShutDownLocks Instance = new();
}

/// <summary>Sent by the first shard of a manager's router to every shard (itself included) on <see cref="ShutDownLocks"/>; answered with <see cref="LocksShutDown"/>.</summary>
internal sealed class ShutDownShard
{
    public static readonly ShutDownShard Instance = new();
}

/// <summary>The manager's answer to <see cref="ShutDownLocks"/>.</summary>
/// <param name="Targets">Target actors that were asked to release.</param>
/// <param name="Unconfirmed">Targets whose release was not confirmed in time: their sidecars are left to expire by TTL.</param>
internal sealed record LocksShutDown(int Targets, IReadOnlyList<string> Unconfirmed)
{
    /// <summary>The answer of a sharded manager: every shard's answer added up.</summary>
    public static LocksShutDown Combine(LocksShutDown[] shards) =>
        new(shards.Sum(s => s.Targets), [.. shards.SelectMany(s => s.Unconfirmed).Order(StringComparer.Ordinal)]);
}

/// <summary>Sent by <see cref="LockManager"/> to each target actor when the shutdown begins.</summary>
internal sealed class ReleaseForShutdown
{
    public static readonly ReleaseForShutdown Instance = new();
}

/// <summary>Sent by a target actor to its parent once it holds nothing and no store operation is in flight.</summary>
internal sealed record TargetShutDown(IActorRef Child);
