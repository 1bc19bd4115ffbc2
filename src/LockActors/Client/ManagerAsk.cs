using Akka.Actor;

namespace LockActors.Client;

/// <summary>Asks the lock manager, turning a missing answer into <see cref="LockReplyTimeoutException"/>.</summary>
internal static class ManagerAsk
{
    /// <summary>The manager's answer; a <see cref="Status.Failure"/> is thrown as its exception.</summary>
    /// <param name="manager">The lock manager.</param>
    /// <param name="message">The command.</param>
    /// <param name="target">The command's target, for the timeout's message.</param>
    /// <param name="timeout">How long to wait for the answer; null waits for ever.</param>
    /// <param name="cancellationToken">Stops waiting (the command is not withdrawn).</param>
    public static async Task<T> AskAsync<T>(this IActorRef manager, object message, string target, TimeSpan? timeout, CancellationToken cancellationToken = default)
    {
        try
        {
            return await manager.Ask<T>(message, timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (AskTimeoutException e)
        {
            throw new LockReplyTimeoutException(target, timeout ?? Timeout.InfiniteTimeSpan, e);
        }
    }
}
