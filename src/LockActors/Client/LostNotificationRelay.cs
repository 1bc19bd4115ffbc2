using System.Collections.Concurrent;
using Akka.Actor;
using LockActors.Messages;

namespace LockActors.Client;

/// <summary>Receives <see cref="LockLost"/> for every handle of one <see cref="LockClient"/> and cancels the handle's token.</summary>
internal sealed class LostNotificationRelay : ReceiveActor
{
    public LostNotificationRelay(ConcurrentDictionary<string, LockHandle> handles, ConcurrentDictionary<string, string> lostBeforeHandle) =>
        Receive<LockLost>(lost =>
        {
            if (handles.TryRemove(lost.LockId, out var handle))
            {
                handle.MarkLost(lost.Reason);
            }
            else
            {
                lostBeforeHandle[lost.LockId] = lost.Reason; // the grant's handle is not registered yet
            }
        });
}
