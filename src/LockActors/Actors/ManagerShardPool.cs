using Akka.Actor;
using Akka.Routing;
using Akka.Event;
using Akka.Util;
using LockActors.Configuration;
using LockActors.Messages;
using LockActors.Storage;

namespace LockActors.Actors;

/// <summary>
/// The router behind <see cref="LockManager.Props"/>: <c>lock-actors.manager-shards</c> manager shards, each owning the
/// target actors whose normalised URI hashes to it.
/// </summary>
/// <remarks>
/// An Akka pool router picks the routee on the sender's thread, so routing (URI parsing included, when the URI is not
/// already in normalised form: <see cref="LockTarget.IsNormalizedSpelling"/>) runs on the callers'
/// threads and target actors are created by several shards at once: no single actor sees every request (issue 15, P1).
/// Every spelling of a target normalises to one key, so one target has one actor on one shard, as before.
/// Messages that name no target (shutdown, diagnostics) go to the first shard, which asks every shard and combines
/// the answers. The router itself is subscribed to dead letters: a dead letter about a grant or a command goes to the
/// shard of its target, and every other dead letter is dropped on the publisher's thread.
/// </remarks>
internal sealed class ManagerShardPool : Pool
{
    public ManagerShardPool(LockActorsSettings settings)
        : base(ShardCount(settings), resizer: null, RestartShards, routerDispatcher: null, usePoolDispatcher: false)
    {
    }

    /// <summary>A shard that threw is restarted (its target actors are rebuilt on demand from their sidecars): never escalated.</summary>
    private static SupervisorStrategy RestartShards => new OneForOneStrategy(_ => Directive.Restart);

    /// <summary><c>manager-shards</c>, where 0 means one shard per processor core.</summary>
    internal static int ShardCount(LockActorsSettings settings) =>
        settings.ManagerShards > 0 ? settings.ManagerShards : Environment.ProcessorCount;

    /// <inheritdoc />
    public override Router CreateRouter(ActorSystem system) => new(new TargetHashRouting());

    /// <inheritdoc />
    public override int GetNrOfInstances(ActorSystem system) => NrOfInstances;

    /// <inheritdoc />
    public override RouterConfig WithFallback(RouterConfig routerConfig) => this;

    /// <summary>The lock manager lives in one actor system; it is never deployed remotely.</summary>
    public override ISurrogate ToSurrogate(ActorSystem system) =>
        throw new NotSupportedException("The lock manager's router is local to its actor system and cannot be serialised.");

    /// <summary>The shard index of a target key: the same for every spelling of a target (the key is normalised).</summary>
    internal static int ShardOf(string key, int shards) => (int)((uint)key.GetHashCode() % (uint)shards);

    /// <summary>
    /// Picks the shard of a message's target on the sender's thread. A target that does not parse goes to the shard of
    /// its raw spelling, which refuses it (with the same typed error a single manager gave).
    /// </summary>
    private sealed class TargetHashRouting : RoutingLogic
    {
        public override Routee Select(object message, Routee[] routees)
        {
            if (routees.Length == 0)
            {
                return Routee.NoRoutee;
            }

            if (message is ILockCommand command)
            {
                if (LockTarget.IsNormalizedSpelling(command.Target))
                {
                    // Already its own key (the usual case: callers reuse the URI a grant names): no parse on any thread
                    // unless the shard has no live actor for it.
                    return routees[ShardOf(command.Target!, routees.Length)];
                }

                // Parsed here, on the caller's thread, once: the shard gets the parsed target with the command.
                var parsed = TryParse(command.Target);
                var shard = routees[ShardOf(parsed?.Normalized ?? command.Target ?? string.Empty, routees.Length)];
                return parsed is null ? shard : new LockManager.ParsedCommand(((ActorRefRoutee)shard).Actor, command, parsed);
            }

            if (message is DeadLetter letter)
            {
                return TargetOf(letter.Message) is { } about ? routees[ShardOf(KeyOf(about), routees.Length)] : Dropped.Instance;
            }

            return TargetOf(message) is { } target ? routees[ShardOf(KeyOf(target), routees.Length)] : routees[0];
        }

        private static string? TargetOf(object message) => message switch
        {
            ILockCommand command => command.Target,
            LockGranted granted => granted.Target,
            LockManager.IShardRouted routed => routed.Target,
            _ => null,
        };

        private static string KeyOf(string target) => LockTarget.IsNormalizedSpelling(target) ? target : TryParse(target)?.Normalized ?? target;

        /// <summary>The parsed target, or null when it does not parse: never thrown into the caller's Tell (the shard refuses it with the typed error).</summary>
        private static LockTarget? TryParse(string? target)
        {
            try
            {
                return target is null ? null : LockTarget.Parse(target);
            }
            catch (Exception)
            {
                return null;
            }
        }

        /// <summary>Where a dead letter that is none of the manager's business goes: nowhere.</summary>
        private sealed class Dropped : Routee
        {
            public static readonly Dropped Instance = new();

            public override void Send(object message, IActorRef sender)
            {
            }
        }
    }
}
