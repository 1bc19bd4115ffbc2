using Akka.Actor;
using LockActors.Configuration;
using LockActors.Messages;
using LockActors.Storage;

namespace LockActors.Actors;

/// <summary>
/// The supervisor: validates each request, routes it by normalised target URI to that file's
/// <see cref="TargetLockActor"/> (creating it on demand), passivates idle children without losing messages,
/// and restarts a failed child (which then rebuilds its state from the sidecar).
/// </summary>
public sealed class LockManager : ReceiveActor
{
    private readonly LockActorsSettings _settings;
    private readonly LockStoreRegistry _stores;
    private readonly string _instanceId = Guid.NewGuid().ToString("N")[..8];
    private readonly Dictionary<string, IActorRef> _children = new(StringComparer.Ordinal);
    private readonly Dictionary<IActorRef, string> _targetsByChild = new();
    private readonly Dictionary<string, List<(object Message, IActorRef Sender)>> _passivating = new(StringComparer.Ordinal);

    /// <summary>Creates the manager.</summary>
    public LockManager(LockActorsSettings settings, LockStoreRegistry stores)
    {
        _settings = settings;
        _stores = stores;
        Receive<ILockCommand>(Route);
        Receive<Passivate>(p => BeginPassivation(p.Child));
        Receive<PassivationDeclined>(d => EndPassivation(d.Child, stopped: false));
        Receive<Terminated>(t => EndPassivation(t.ActorRef, stopped: true));
        Receive<GetChildCount>(_ => Sender.Tell(_children.Count));
    }

    /// <summary>Props for the manager.</summary>
    public static Props Props(LockActorsSettings settings, LockStoreRegistry stores) =>
        Akka.Actor.Props.Create(() => new LockManager(settings, stores));

    /// <inheritdoc />
    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(maxNrOfRetries: 10, withinTimeRange: TimeSpan.FromMinutes(1), localOnlyDecider: _ => Directive.Restart);

    private void Route(ILockCommand command)
    {
        LockTarget target;
        ILockStore store;
        try
        {
            target = LockTarget.Parse(command.Target);
            store = _stores.Resolve(target);
            Validate(command, target, store);
        }
        catch (Exception e) when (e is LockStoreException or LockException or ArgumentException)
        {
            Sender.Tell(new Status.Failure(e));
            return;
        }

        if (_passivating.TryGetValue(target.Normalized, out var buffer))
        {
            buffer.Add((command, Sender));
            return;
        }

        ChildFor(target, store).Forward(command);
    }

    private void Validate(ILockCommand command, LockTarget target, ILockStore store)
    {
        if (command is not Acquire acquire)
        {
            return;
        }

        if (acquire.Ttl is { } ttl && ttl <= TimeSpan.Zero)
        {
            throw new InvalidLockRequestException(target.Normalized, $"the TTL must be positive, not {ttl}");
        }

        if (acquire.WaitTimeout is { } wait && wait < TimeSpan.Zero)
        {
            throw new InvalidLockRequestException(target.Normalized, $"the wait timeout must not be negative, not {wait}");
        }

        var effectiveTtl = acquire.Ttl ?? _settings.DefaultTtl;
        if (effectiveTtl <= store.Capabilities.ClockResolution * 2)
        {
            throw new InvalidLockRequestException(target.Normalized,
                $"a TTL of {effectiveTtl} is too short for a store whose clock resolution is {store.Capabilities.ClockResolution}");
        }

        if (!store.Capabilities.IsSafeForLocking)
        {
            throw new StoreNotSafeException($"The {target.Scheme}:// store cannot create, replace and delete atomically ({store.Capabilities.Mechanism}); refusing to grant locks.");
        }
    }

    private IActorRef ChildFor(LockTarget target, ILockStore store)
    {
        if (_children.TryGetValue(target.Normalized, out var child))
        {
            return child;
        }

        child = Context.ActorOf(TargetLockActor.Props(target, store, _settings, _instanceId), ChildName(target));
        Context.Watch(child);
        _children[target.Normalized] = child;
        _targetsByChild[child] = target.Normalized;
        return child;
    }

    private void BeginPassivation(IActorRef child)
    {
        if (_targetsByChild.TryGetValue(child, out var target) && !_passivating.ContainsKey(target))
        {
            _passivating[target] = [];
            child.Tell(StopIfIdle.Instance);
        }
    }

    private void EndPassivation(IActorRef child, bool stopped)
    {
        if (!_targetsByChild.TryGetValue(child, out var target))
        {
            return;
        }

        if (stopped)
        {
            _targetsByChild.Remove(child);
            _children.Remove(target);
        }

        if (!_passivating.Remove(target, out var buffered))
        {
            return;
        }

        foreach (var (message, sender) in buffered)
        {
            Self.Tell(message, sender); // re-route: a fresh child is created for a stopped one
        }
    }

    /// <summary>A valid, unique actor name for a target: the escaped URI, or a hash for very long ones.</summary>
    internal static string ChildName(LockTarget target)
    {
        var escaped = Uri.EscapeDataString(target.Normalized);
        if (escaped.Length <= 200)
        {
            return escaped;
        }

        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(target.Normalized)));
        return escaped[..120] + "~" + hash;
    }

    /// <summary>Asks the manager how many target actors are alive (tests and diagnostics).</summary>
    internal sealed class GetChildCount
    {
        public static readonly GetChildCount Instance = new();
    }
}
