namespace LockActors.Storage.Backends;

/// <summary>How a conditional write ended once its outcome is known.</summary>
/// <param name="Won">The write is in effect (it applied, possibly on an earlier attempt).</param>
/// <param name="Version">When won by a create or replace: the version written.</param>
public readonly record struct WriteResolution(bool Won, SidecarVersion? Version)
{
    /// <summary>Lost: the condition did not hold, nothing of this call is in effect.</summary>
    public static WriteResolution Lost => default;
}

/// <summary>
/// Sends a conditional write and settles its outcome when the answer leaves it unknown (timeout, 5xx, a dropped
/// connection) or may hide our own write (a refusal of a transport-level re-send of a write that landed). A write is
/// never re-sent blindly. The decision table, after a re-read of the sidecar:
/// <list type="table">
/// <item><term>our exact bytes there (for a delete: nothing there)</term><description>won: the write landed.</description></item>
/// <item><term>the expected prior state still there (the expected version; for a create, absence)</term>
/// <description>not applied: send again, still conditional, so at most one send can win.</description></item>
/// <item><term>anything else</term><description>lost, definitely.</description></item>
/// <item><term>still unknown when the <see cref="RetryPolicy"/> is spent</term><description><see cref="StoreUnavailableException"/>.</description></item>
/// </list>
/// A definite refusal is never retried into an outage: after it, the re-read only looks for our own bytes (won) and
/// otherwise reports the refusal (lost), even when the key is absent again (a holder has released since). A delete's
/// first refusal is final without a re-read (a release told "lost" is harmless). One exception: a create refused by a
/// placeholder the store reads as absent (an S3 tombstone) is re-sent once, conditional on the placeholder's version.
/// Deciding by content relies on lock metadata being unique per write (lock id and timestamps).
/// </summary>
public static class ConditionalWriteResolver
{
    /// <summary>Sends <paramref name="write"/> and settles its outcome as the table above says.</summary>
    /// <exception cref="StoreUnavailableException">The outcome is still unknown after <see cref="RetryPolicy.MaxAttempts"/> transient failures.</exception>
    public static async Task<WriteResolution> ResolveAsync(ConditionalWrite write, RetryPolicy retry, TimeProvider clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        var budget = new RetryBudget(retry, clock, write.Describe);
        var condition = write.Expected;
        var send = true;
        var refused = false;
        var earlierUnknown = false;
        while (true)
        {
            if (send)
            {
                send = false;
                var result = await write.SendAsync(condition, cancellationToken).ConfigureAwait(false);
                switch (result.Outcome)
                {
                    case WriteOutcome.Applied:
                        return new WriteResolution(true, result.Version);
                    case WriteOutcome.Refused when write.Kind == ConditionalWriteKind.Delete && !earlierUnknown:
                        return WriteResolution.Lost;
                    case WriteOutcome.Refused:
                        refused = true;
                        break;
                    default:
                        earlierUnknown = true;
                        await budget.FailedAsync("has an unknown outcome", result.Detail, result.Error, cancellationToken).ConfigureAwait(false);
                        break;
                }
            }

            var seen = await write.ObserveAsync(cancellationToken).ConfigureAwait(false);
            if (seen.State == ObservedState.Unknown)
            {
                if (refused && !earlierUnknown)
                {
                    return WriteResolution.Lost; // an inconclusive check after a definite first refusal reports the refusal, never a win
                }

                await budget.FailedAsync("has an unknown outcome", seen.Detail, seen.Error, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (write.Kind == ConditionalWriteKind.Delete ? seen.State == ObservedState.Absent : seen.HoldsOurWrite)
            {
                return new WriteResolution(true, write.Kind == ConditionalWriteKind.Delete ? null : seen.Version);
            }

            var stillExpected = write.Kind == ConditionalWriteKind.Create
                ? seen.State == ObservedState.Absent
                : seen.State == ObservedState.Present && seen.Version == write.Expected;
            if (refused)
            {
                if (write.Kind == ConditionalWriteKind.Create && condition is null && stillExpected && seen.Version is { } placeholder)
                {
                    condition = placeholder; // refused by a placeholder that reads as absent: replace it, once
                    refused = false;
                    send = true;
                    continue;
                }

                return WriteResolution.Lost;
            }

            if (!stillExpected)
            {
                return WriteResolution.Lost;
            }

            condition = write.Kind == ConditionalWriteKind.Create ? seen.Version : write.Expected;
            send = true;
        }
    }
}
