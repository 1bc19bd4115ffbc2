using Akka.Actor;
using LockActors.Configuration;
using LockActors.Messages;
using LockActors.Storage;

namespace LockActors.Actors.Cluster;

/// <summary>
/// The sharded entity of one target in cluster mode: the one place in the cluster that serialises the target's
/// requests. It hosts the ordinary <see cref="TargetLockActor"/> (FIFO waiters, sidecar I/O, renewals, hand-over by
/// one compare-and-swap) and a <see cref="RemoteRequester"/> per request from a node, which stands in for the caller.
/// </summary>
/// <remarks>
/// When the shard stops it (<see cref="EntityHandOff"/>: rebalance, leave, idle passivation) the lock actor stops once
/// no store operation is in flight, without telling holders anything; queued callers' nodes are told to send their
/// acquire again (the region delivers it to the new home), and holders' nodes keep probing: the next incarnation
/// adopts each grant from the sidecar (<see cref="AdoptGrant"/>). A crash is the same without the requeue: the
/// callers' nodes see the relays' node downed and send again.
/// </remarks>
internal sealed class TargetEntity : ReceiveActor
{
    private readonly LockTarget _target;
    private readonly LockActorsSettings _settings;
    private readonly IActorRef _lock;
    private readonly Dictionary<Guid, (IActorRef Relay, IActorRef Caller, bool IsAcquire)> _relays = new();
    private bool _handingOff;

    public TargetEntity(LockTarget target, ILockStore store, LockActorsSettings settings, string instanceId)
    {
        _target = target;
        _settings = settings;
        _lock = Context.ActorOf(TargetLockActor.Props(target, store, settings, instanceId), "lock");
        Context.Watch(_lock);
        Receive<RemoteAcquire>(OnAcquire);
        Receive<RemoteCancel>(cancel => _lock.Tell(new CancelAcquire(_target.Normalized, cancel.RequestId)));
        Receive<RemoteCommand>(OnCommand);
        Receive<HolderAlive>(OnHolderAlive);
        Receive<EntityHandOff>(_ => BeginHandOff());
        Receive<CrashForTest>(crash => _lock.Forward(crash));
        Receive<Terminated>(OnTerminated);
    }

    /// <summary>Props for the entity of <paramref name="target"/>.</summary>
    public static Props Props(LockTarget target, ILockStore store, LockActorsSettings settings, string instanceId) =>
        Akka.Actor.Props.Create(() => new TargetEntity(target, store, settings, instanceId));

    /// <inheritdoc />
    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(maxNrOfRetries: 10, withinTimeRange: TimeSpan.FromMinutes(1), localOnlyDecider: _ => Directive.Restart);

    private void OnAcquire(RemoteAcquire request)
    {
        if (_relays.ContainsKey(request.RequestId))
        {
            return; // sent again by a caller that could not tell whether it arrived: it is already queued
        }

        var relay = StartRelay(request.RequestId, request.SentAt, isAcquire: true);
        var acquire = new Acquire(_target.Normalized, request.Ttl)
        {
            WaitTimeout = request.WaitTimeout,
            OwnerId = request.OwnerId,
            OnStale = request.OnStale is null ? null : StalePolicy.Parse(request.OnStale),
            RequestId = request.RequestId,
            HeartbeatInterval = request.HeartbeatInterval,
            NotifyLost = relay,
        };
        _lock.Tell(acquire, relay);
    }

    private void OnCommand(RemoteCommand command)
    {
        if (_relays.ContainsKey(command.CorrelationId))
        {
            return; // sent again before its acknowledgement arrived: already in hand
        }

        var relay = StartRelay(command.CorrelationId, 0, isAcquire: false);
        _lock.Tell(command.Command, relay);
    }

    private void OnHolderAlive(HolderAlive probe)
    {
        if (_relays.TryGetValue(probe.RequestId, out var known))
        {
            known.Relay.Forward(probe);
            return;
        }

        // A grant this incarnation does not know (the entity moved or its node crashed): adopt it from the sidecar.
        var relay = StartRelay(probe.RequestId, probe.SentAt, isAcquire: false);
        var interval = probe.HeartbeatInterval > TimeSpan.Zero ? probe.HeartbeatInterval : (TimeSpan?)null;
        _lock.Tell(new AdoptGrant(_target.Normalized, probe.LockId, relay, interval), relay);
    }

    private IActorRef StartRelay(Guid requestId, long sentAt, bool isAcquire)
    {
        var relay = Context.ActorOf(RemoteRequester.Props(requestId, Sender, _settings, sentAt));
        Context.Watch(relay);
        _relays[requestId] = (relay, Sender, isAcquire);
        return relay;
    }

    private void BeginHandOff()
    {
        if (_handingOff)
        {
            return;
        }

        _handingOff = true;
        _lock.Tell(StopForHandOff.Instance);
    }

    private void OnTerminated(Terminated terminated)
    {
        if (terminated.ActorRef.Equals(_lock))
        {
            // Queued callers send their acquire again; the region holds it until this entity's new home is ready.
            // A caller whose request was granted meanwhile ignores it.
            foreach (var (requestId, (_, caller, isAcquire)) in _relays)
            {
                if (isAcquire)
                {
                    caller.Tell(new RemoteRequeue(requestId));
                }
            }

            Context.Stop(Self);
            return;
        }

        foreach (var (requestId, entry) in _relays)
        {
            if (entry.Relay.Equals(terminated.ActorRef))
            {
                _relays.Remove(requestId);
                break;
            }
        }
    }
}
