using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Event;
using Akka.Routing;
using LockActors.Configuration;
using LockActors.Messages;
using LockActors.Storage;
using LockActors.Telemetry;

namespace LockActors.Actors;

/// <summary>
/// The supervisor: validates each request, routes it by normalised target URI to that file's
/// <see cref="TargetLockActor"/> (creating it on demand), passivates idle children without losing messages (a child
/// that had no request for <c>passivate-after</c> is asked to stop, and stops only if it holds and queues nothing),
/// and restarts a failed child (which then rebuilds its state from the sidecar). A grant that could not be delivered
/// (its requester had given up: a timed-out <c>Ask</c>, a stopped actor) shows up as a dead letter and is released.
/// When the actor system shuts down it releases every held lock (see <c>LockActorsExtension</c>).
/// </summary>
/// <remarks>
/// <para><see cref="Props"/> makes a router of <c>lock-actors.manager-shards</c> of these managers (one per core by
/// default, <see cref="ManagerShardPool"/>): a request is routed to the shard of its target's hash on the sender's
/// thread, so no one actor creates every target actor or sees every request. Each target has one actor, on one shard.</para>
/// <para>Accepts the <see cref="ILockCommand"/> messages; every failure is a <see cref="Status.Failure"/> carrying a
/// <see cref="LockException"/>:</para>
/// <list type="bullet">
/// <item><see cref="Acquire"/> → <see cref="LockGranted"/>, or <see cref="LockAlreadyHeldException"/>,
/// <see cref="LockAcquireTimeoutException"/>, <see cref="LockQueueFullException"/>, <see cref="InvalidLockRequestException"/>,
/// <see cref="FencingTokenExhaustedException"/>, or a <see cref="LockStoreException"/> (invalid target, unknown scheme,
/// unreachable or unsafe store, corrupt sidecar…).</item>
/// <item><see cref="Release"/> → <see cref="LockReleased"/>, or <see cref="LockNotHeldException"/>,
/// <see cref="InvalidLockRequestException"/> (no lock id) or a <see cref="LockStoreException"/>.</item>
/// <item><see cref="CancelAcquire"/> → no reply; the withdrawn <see cref="Acquire"/> is answered with
/// <see cref="OperationCanceledException"/>.</item>
/// <item><see cref="GetLockInfo"/> → <see cref="LockInfo"/>, or a <see cref="LockStoreException"/>.</item>
/// </list>
/// <para>Create it only through <see cref="Props"/>; <see cref="LockActorsExtension.Manager"/> is the one every system has.</para>
/// </remarks>
public sealed partial class LockManager : ReceiveActor
{
    private readonly LockActorsSettings _settings;
    private readonly LockStoreRegistry _stores;
    private readonly string _instanceId = Guid.NewGuid().ToString("N")[..8];
    // Routing cache of live targets: normalised URI → child, with the parsed target and its store. A request whose
    // target string is already normalised (the usual case: callers reuse LockGranted.Target) is routed without parsing.
    private readonly Dictionary<string, LiveTarget> _children = new(StringComparer.Ordinal);
    private readonly Dictionary<IActorRef, string> _targetsByChild = new();
    private readonly Dictionary<string, List<(object Message, IActorRef Sender)>?> _passivating = new(StringComparer.Ordinal); // buffer made on the first message
    private readonly InstrumentedStores _instrumented = new();
    private ICancelable? _sweeps;
    private int _sweep; // how many passivation sweeps have run: a child's last request is stamped with it

    private LockManager(LockActorsSettings settings, LockStoreRegistry stores)
    {
        _settings = settings;
        _stores = stores;
        Receive<ParsedCommand>(parsed => Route(parsed.Command, Sender, parsed.Target));
        Receive<ILockCommand>(Route);
        Receive<PassivationSweep>(_ => SweepIdleChildren());
        Receive<PassivationDeclined>(d => EndPassivation(d.Child, stopped: false));
        Receive<Terminated>(t => EndPassivation(t.ActorRef, stopped: true));
        Receive<GetChildCount>(_ => AskEveryShard<int>(CountShardChildren.Instance, TimeSpan.FromSeconds(10), counts => counts.Sum()));
        Receive<CountShardChildren>(_ => Sender.Tell(_children.Count));
        Receive<GetChild>(get => Sender.Tell(LockTarget.TryParse(get.Target, out var target, out _) && _children.TryGetValue(target!.Normalized, out var live) ? live.Child : ActorRefs.Nobody));
        Receive<DeadLetter>(OnDeadLetter);
        Receive<RerouteDead>(r => Route(r.Command, r.Sender));
        Receive<ShutDownLocks>(_ => AskEveryShard<LocksShutDown>(ShutDownShard.Instance, _settings.ShutdownReleaseTimeout + TimeSpan.FromSeconds(0.5), LocksShutDown.Combine));
        Receive<ShutDownShard>(_ => BeginShutdown(Sender));
        Receive<TargetShutDown>(done => OnTargetShutDown(done.Child));
        Receive<ShutdownDeadline>(_ => FinishShutdown());
    }

    /// <inheritdoc />
    protected override void PreStart()
    {
        // The router, not this shard: it sends each dead letter to the shard of its target (ManagerShardPool). Every
        // shard subscribes it (a subscription is a set: it is subscribed once); it is unsubscribed when it stops.
        Context.System.EventStream.Subscribe(Context.Parent, typeof(DeadLetter));

        var interval = SweepInterval(_settings.PassivateAfter);
        _sweeps = Context.System.Scheduler.ScheduleTellRepeatedlyCancelable(interval, interval, Self, PassivationSweep.Instance, Self);
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        _sweeps?.Cancel();
    }

    /// <summary>
    /// Props for a manager: the only way to create one. <see cref="LockActorsExtension"/> starts one per actor system;
    /// start another only to serve a separate <paramref name="stores"/> registry. The actor made is a router over
    /// <c>lock-actors.manager-shards</c> managers; send it everything a manager accepts.
    /// </summary>
    public static Props Props(LockActorsSettings settings, LockStoreRegistry stores) =>
        Akka.Actor.Props.CreateBy(new Producer(settings, stores)).WithRouter(new ManagerShardPool(settings));

    /// <inheritdoc />
    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(maxNrOfRetries: 10, withinTimeRange: TimeSpan.FromMinutes(1), localOnlyDecider: _ => Directive.Restart);

    private void Route(ILockCommand command) => Route(command, Sender);

    /// <summary>
    /// A grant nobody received (rule 10: every grant has a reachable owner): its target actor releases it. A command
    /// routed to a target actor that had just stopped (stopped from outside, before this manager saw its
    /// <see cref="Terminated"/>) is routed again, to a fresh actor, instead of being lost and leaving its caller to time out.
    /// The router sends these dead letters to the shard of their target, so the target's actor is this shard's child.
    /// </summary>
    private void OnDeadLetter(DeadLetter letter)
    {
        if (letter.Message is LockGranted granted && !granted.Lease.IsEnded)
        {
            Route(new AbandonedGrant(granted.Target, granted.LockId, "the grant could not be delivered: its requester had given up"), ActorRefs.Nobody);
        }
        else if (letter.Message is ILockCommand command && letter.Recipient.Path.Parent.Equals(Self.Path))
        {
            // Behind the child's Terminated, which the dead child's watch has already queued: the route finds it gone.
            Self.Tell(new RerouteDead(command, letter.Sender));
        }
    }

    /// <summary>A message for the shard of <see cref="Target"/> that is not an <see cref="ILockCommand"/>.</summary>
    internal interface IShardRouted
    {
        /// <summary>The target whose shard the message is for.</summary>
        string? Target { get; }
    }

    /// <summary>
    /// A command with its target as the router parsed it on the caller's thread (<see cref="ManagerShardPool"/>): the
    /// router's choice of shard and the message the shard receives, in one object.
    /// </summary>
    internal sealed class ParsedCommand(IActorRef shard, ILockCommand command, LockTarget target) : Routee
    {
        public ILockCommand Command { get; } = command;

        public LockTarget Target { get; } = target;

        /// <inheritdoc />
        public override void Send(object message, IActorRef sender) => shard.Tell(this, sender);
    }

    /// <summary>A command that reached a stopped target actor, to route again.</summary>
    private sealed record RerouteDead(ILockCommand Command, IActorRef Sender);

    /// <summary>
    /// The first shard's answer to a question about every shard (every message that names no target goes to it): asks each
    /// shard, combines their answers, and replies to the asker. The replies never touch this actor's state.
    /// </summary>
    private void AskEveryShard<TReply>(object question, TimeSpan timeout, Func<TReply[], object> combine)
    {
        AskEveryShardAsync(Context.Parent, question, timeout, combine).PipeTo(Sender);
    }

    private static async Task<object> AskEveryShardAsync<TReply>(IActorRef router, object question, TimeSpan timeout, Func<TReply[], object> combine)
    {
        var shards = await router.Ask<Routees>(GetRoutees.Instance, timeout).ConfigureAwait(false);
        var replies = await Task.WhenAll(shards.Members.Select(async shard => (TReply)(await shard.Ask(question, timeout).ConfigureAwait(false)))).ConfigureAwait(false);
        return combine(replies)!;
    }

    private void Route(ILockCommand command, IActorRef sender, LockTarget? parsed = null)
    {
        if (_shutdown is not null && command is Acquire)
        {
            Refuse(command, null, new LockSystemShuttingDownException(command.Target), sender);
            return;
        }

        LockTarget? target = null;
        ILockStore store;
        IActorRef? child = null;
        try
        {
            // Normalising is a fixed point (LockTargetTests), so a normalised key names the same target a parse would.
            if ((parsed?.Normalized ?? command.Target) is { } key && TryTouch(key, out var live))
            {
                (child, target, store) = (live.Child, live.Target, live.Store);
            }
            else
            {
                target = parsed ?? LockTarget.Parse(command.Target!);
                store = _stores.Resolve(target);
            }

            LockRequestValidator.Validate(_settings, command, target, store);
        }
        catch (Exception e) when (e is LockException or ArgumentException)
        {
            Refuse(command, target is not null && _stores.Supports(target.Scheme) ? target.Scheme : null, e, sender);
            return;
        }

        if (_passivating.TryGetValue(target.Normalized, out var buffer))
        {
            (buffer ?? (_passivating[target.Normalized] = [])).Add((command, sender));
            return;
        }

        (child ?? ChildFor(target, store)).Tell(command, sender);
    }

    /// <summary>The live target under <paramref name="key"/>, if any, stamped with this sweep (it counts as just asked).</summary>
    private bool TryTouch(string key, out LiveTarget live)
    {
        ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(_children, key);
        if (Unsafe.IsNullRef(ref entry))
        {
            live = default;
            return false;
        }

        entry.LastRequest = _sweep;
        live = entry;
        return true;
    }

    /// <summary>A live target actor, with what routing to it needs, and the sweep during which it last had a request.</summary>
    private record struct LiveTarget(IActorRef Child, LockTarget Target, ILockStore Store, int LastRequest);

    /// <summary>Answers a command refused before it reached a target actor; a refused acquire is counted (scheme only when it has a store).</summary>
    private static void Refuse(ILockCommand command, string? scheme, Exception error, IActorRef sender)
    {
        if (command is Acquire)
        {
            LockMetrics.AcquireFailed(scheme, System.Diagnostics.Stopwatch.GetTimestamp(), error);
        }

        sender.Tell(new Status.Failure(error));
    }

    private IActorRef ChildFor(LockTarget target, ILockStore store)
    {
        if (TryTouch(target.Normalized, out var live))
        {
            return live.Child;
        }

        // Akka's short generated name ($a, $b, …), as raw Akka children get: the escaped URI as a name cost an escape on
        // this (single) actor's thread and ~100 bytes per live target (P1, P5). Logs name the target, not the path.
        var child = Context.ActorOf(TargetLockActor.Props(target, _instrumented.For(store, target.Scheme), _settings, _instanceId));
        Context.Watch(child);
        _children[target.Normalized] = new LiveTarget(child, target, store, _sweep);
        _targetsByChild[child] = target.Normalized;
        return child;
    }

    private void BeginPassivation(IActorRef child)
    {
        if (_targetsByChild.TryGetValue(child, out var target) && !_passivating.ContainsKey(target))
        {
            _passivating[target] = null;
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
            OnTargetShutDown(child); // a child that stopped holds nothing
        }

        if (!stopped)
        {
            // Busy (holding, queuing, or a store operation in flight): asked again once another passivate-after passes.
            TryTouch(target, out _);
        }

        var wasPassivating = _passivating.Remove(target, out var buffered);
        GiveRoomBack();
        if (!wasPassivating)
        {
            return;
        }

        foreach (var (message, sender) in buffered ?? [])
        {
            // Routed now, in arrival order: re-sending them to ourselves would put them behind later messages
            // (a CancelAcquire could overtake its own Acquire). A fresh child is created for a stopped one.
            Route((ILockCommand)message, sender);
        }
    }

    /// <summary>
    /// One sweep every half passivate-after: a child whose last request came before the sweep two sweeps ago (so at
    /// least passivate-after ago) is asked to stop if idle (<see cref="StopIfIdle"/>). It declines while it holds a
    /// lock, has waiters, deferred commands, abandoned sidecars or a store operation in flight. One sweep timer in the
    /// manager instead of a receive timeout per target actor, re-armed by every message it received (P1, P5).
    /// </summary>
    private void SweepIdleChildren()
    {
        _sweep++;
        if (_shutdown is not null)
        {
            return;
        }

        List<IActorRef>? idle = null;
        foreach (var (target, live) in _children)
        {
            if (_sweep - live.LastRequest >= 3 && !_passivating.ContainsKey(target))
            {
                (idle ??= []).Add(live.Child);
            }
        }

        foreach (var child in idle ?? [])
        {
            BeginPassivation(child);
        }
    }

    /// <summary>
    /// After a burst of many targets, gives the tables' room back as they passivate: a table is trimmed when it is under a
    /// quarter full (amortised O(1) per removal), so a million passivated targets leave no million-slot tables behind.
    /// </summary>
    private void GiveRoomBack()
    {
        TrimWhenSparse(_children);
        TrimWhenSparse(_targetsByChild);
        TrimWhenSparse(_passivating);
    }

    private static void TrimWhenSparse<TKey, TValue>(Dictionary<TKey, TValue> table)
        where TKey : notnull
    {
        var capacity = table.EnsureCapacity(0);
        if (capacity > 4096 && table.Count < capacity / 4)
        {
            table.TrimExcess();
        }
    }

    /// <summary>Half passivate-after, at least 10 ms: a child is asked to stop between 1 and 1.5 × passivate-after after its last request.</summary>
    internal static TimeSpan SweepInterval(TimeSpan passivateAfter) =>
        TimeSpan.FromTicks(Math.Max(passivateAfter.Ticks / 2, TimeSpan.FromMilliseconds(10).Ticks));

    /// <summary>Runs a passivation sweep (<see cref="SweepIdleChildren"/>).</summary>
    private sealed class PassivationSweep
    {
        public static readonly PassivationSweep Instance = new();
    }

    /// <summary>Creates the manager for <see cref="Props"/> (its constructor is private).</summary>
    private sealed class Producer(LockActorsSettings settings, LockStoreRegistry stores) : IIndirectActorProducer
    {
        public Type ActorType => typeof(LockManager);

        public ActorBase Produce() => new LockManager(settings, stores);

        public void Release(ActorBase actor)
        {
        }
    }

    /// <summary>The live target actor of <paramref name="target"/>, or <see cref="ActorRefs.Nobody"/> (tests and diagnostics).</summary>
    internal static Task<IActorRef> ChildOf(IActorRef manager, string target, TimeSpan timeout) => manager.Ask<IActorRef>(new GetChild(target), timeout);

    /// <summary>Asks the manager for the live target actor of a target (children have generated names).</summary>
    private sealed record GetChild(string Target) : IShardRouted;

    /// <summary>Asks the manager how many target actors are alive, on every shard (tests and diagnostics).</summary>
    internal sealed class GetChildCount
    {
        public static readonly GetChildCount Instance = new();
    }

    /// <summary>Asks one shard how many target actors it has.</summary>
    private sealed class CountShardChildren
    {
        public static readonly CountShardChildren Instance = new();
    }
}
