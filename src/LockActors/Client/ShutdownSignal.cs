using Akka.Actor;

namespace LockActors.Client;

/// <summary>
/// Whether the actor system's locks are past use: the coordinated-shutdown phase that releases them has begun, or the
/// system has terminated. Read by <see cref="LockClient"/> and <see cref="LockHandle"/> before they ask anything, so a
/// call after shutdown fails (or a dispose returns) at once instead of waiting for an Ask timeout.
/// </summary>
internal sealed class ShutdownSignal(ActorSystem system)
{
    private volatile bool _begun;

    /// <summary>True once the release phase began or the system terminated.</summary>
    public bool IsShuttingDown => _begun || system.WhenTerminated.IsCompleted;

    /// <summary>Marks the beginning of the shutdown.</summary>
    public void Begin() => _begun = true;
}
