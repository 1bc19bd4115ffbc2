namespace LockActors.Storage.Backends;

/// <summary>
/// The transient failures one store call has spent under its <see cref="RetryPolicy"/>. Not thread-safe: one per call.
/// </summary>
/// <param name="policy">The limits.</param>
/// <param name="clock">Times the backoff waits.</param>
/// <param name="describe">Names the call in the final error, e.g. <c>"GCS replace of 'gs://b/f.lock'"</c>.</param>
public sealed class RetryBudget(RetryPolicy policy, TimeProvider clock, string describe)
{
    /// <summary>Transient failures so far.</summary>
    public int Failures { get; private set; }

    /// <summary>
    /// Records one transient failure, then waits the policy's backoff; throws <see cref="StoreUnavailableException"/>
    /// (naming <paramref name="detail"/>) instead once the failures reach <see cref="RetryPolicy.MaxAttempts"/>.
    /// </summary>
    /// <param name="state">How the call stands when it gives up, e.g. "has an unknown outcome" or "failed".</param>
    /// <param name="detail">What the last failure was.</param>
    /// <param name="error">The last failure's exception, if any.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public Task FailedAsync(string state, string detail, Exception? error, CancellationToken cancellationToken)
    {
        Failures++;
        return Failures >= policy.MaxAttempts
            ? Task.FromException(new StoreUnavailableException($"The {describe} {state} after {Failures} transient failure(s); last: {detail}", error))
            : Task.Delay(policy.BackoffFor(Failures), clock, cancellationToken);
    }

    /// <summary>Sends <paramref name="read"/> until it answers (found or not), spending a failure for each transient
    /// one; null when not found. Throws <see cref="StoreUnavailableException"/> when the budget runs out.</summary>
    public async Task<T?> ReadAsync<T>(Func<Task<ReadResult<T>>> read, CancellationToken cancellationToken)
        where T : class
    {
        while (true)
        {
            var result = await read().ConfigureAwait(false);
            if (result.TransientFailure is not { } detail)
            {
                return result.Value;
            }

            await FailedAsync("failed", detail, result.Error, cancellationToken).ConfigureAwait(false);
        }
    }
}
