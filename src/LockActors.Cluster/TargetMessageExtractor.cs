using Akka.Cluster.Sharding;
using LockActors.Configuration;

namespace LockActors.Cluster;

/// <summary>
/// Routes the library's messages: the entity id is the normalised target URI, the shard its hash modulo
/// <c>number-of-shards</c> (Akka's <see cref="HashCodeMessageExtractor"/>, the same on every node).
/// </summary>
internal sealed class TargetMessageExtractor(int numberOfShards, ShardedTargets targets) : HashCodeMessageExtractor(numberOfShards)
{
    /// <inheritdoc />
    public override string EntityId(object message) => targets.EntityIdOf(message)!;

    /// <inheritdoc />
    public override object EntityMessage(object message) => targets.MessageOf(message);
}
