using LockActors.Messages;
using LockActors.Storage;

namespace LockActors.Client;

/// <summary>
/// Advisory locks on files, as plain async calls. <see cref="LockClient"/> implements it; with Akka.Hosting,
/// <c>services.AddLockClient()</c> registers it in the service provider, so a class can take an <see cref="ILockClient"/> in its
/// constructor and a test can replace it with a mock. Implementations are thread-safe.
/// </summary>
/// <example>
/// <code>
/// public sealed class Importer(ILockClient locks)
/// {
///     public async Task ImportAsync(string file, CancellationToken ct)
///     {
///         await using var handle = await locks.TryAcquireAsync(file, TimeSpan.FromSeconds(5), ct);
///         if (handle is null)
///         {
///             return; // another worker has it
///         }
///
///         // ... work while handle.HandleLost is not cancelled
///     }
/// }
/// </code>
/// </example>
public interface ILockClient
{
    /// <summary>
    /// Acquires the lock on <paramref name="target"/> (for example <c>file:///data/in/a.csv</c>), waiting up to
    /// <see cref="LockOptions.AcquireTimeout"/> (or the configured <c>lock-actors.acquire-timeout</c>) while it is held.
    /// </summary>
    /// <param name="target">The file to lock, as a URI of a configured store.</param>
    /// <param name="options">Per-call TTL, owner id, stale policy and wait; null members use the configured defaults.</param>
    /// <param name="cancellationToken">Withdraws the queued request.</param>
    /// <returns>The held lock; dispose it to release.</returns>
    /// <exception cref="LockAcquireTimeoutException">The lock stayed held for the whole wait.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired; nothing stays held.</exception>
    /// <exception cref="InvalidLockRequestException">The TTL, wait or owner id is out of bounds.</exception>
    /// <exception cref="InvalidLockTargetException">The URI is not a valid lock target (or is outside a configured root).</exception>
    /// <exception cref="UnsupportedSchemeException">No store is configured for the URI's scheme.</exception>
    /// <exception cref="LockStoreException">The store failed (unreachable, access denied, missing location…).</exception>
    Task<LockHandle> AcquireAsync(string target, LockOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Acquires the lock if it becomes free within <see cref="LockOptions.AcquireTimeout"/> when the options give one,
    /// or right now when they do not (the configured <c>acquire-timeout</c> is not used); completes with null when
    /// someone else still holds it when that wait ends.
    /// </summary>
    /// <param name="target">The file to lock, as a URI of a configured store.</param>
    /// <param name="options">Per-call options; <see cref="LockOptions.AcquireTimeout"/> is the wait (none when null).</param>
    /// <param name="cancellationToken">Withdraws the queued request.</param>
    /// <returns>The held lock, or null.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired; nothing stays held.</exception>
    /// <exception cref="InvalidLockRequestException">The TTL, wait or owner id is out of bounds.</exception>
    /// <exception cref="LockStoreException">The target is invalid, its scheme is not configured, or the store failed.</exception>
    Task<LockHandle?> TryAcquireAsync(string target, LockOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Acquires the lock, waiting up to <paramref name="wait"/> while it is held (<see cref="TimeSpan.Zero"/> = do not
    /// wait, <see cref="Timeout.InfiniteTimeSpan"/> = wait forever); completes with null when the wait ends first.
    /// </summary>
    /// <param name="target">The file to lock, as a URI of a configured store.</param>
    /// <param name="wait">How long to wait for a held lock.</param>
    /// <param name="cancellationToken">Withdraws the queued request.</param>
    /// <returns>The held lock, or null.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired; nothing stays held.</exception>
    /// <exception cref="InvalidLockRequestException">The wait is negative or longer than <see cref="LockLimits.MaxWait"/>.</exception>
    /// <exception cref="LockStoreException">The target is invalid, its scheme is not configured, or the store failed.</exception>
    Task<LockHandle?> TryAcquireAsync(string target, TimeSpan wait, CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs <paramref name="body"/> while holding the lock and releases it on every path (success, exception,
    /// cancellation). The body should observe <see cref="LockHandle.HandleLost"/>.
    /// </summary>
    /// <typeparam name="T">The body's result.</typeparam>
    /// <param name="target">The file to lock.</param>
    /// <param name="body">The work to do while holding the lock.</param>
    /// <param name="options">Per-call options, as for <see cref="AcquireAsync"/>.</param>
    /// <param name="cancellationToken">Withdraws the request while it waits.</param>
    /// <returns>The body's result.</returns>
    /// <exception cref="LockAcquireTimeoutException">The lock stayed held for the whole wait; the body did not run.</exception>
    Task<T> WithLockAsync<T>(string target, Func<LockHandle, Task<T>> body, LockOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Runs <paramref name="body"/> while holding the lock and releases it on every path.</summary>
    /// <param name="target">The file to lock.</param>
    /// <param name="body">The work to do while holding the lock.</param>
    /// <param name="options">Per-call options, as for <see cref="AcquireAsync"/>.</param>
    /// <param name="cancellationToken">Withdraws the request while it waits.</param>
    /// <returns>Completes when the body has run and the lock is released.</returns>
    /// <exception cref="LockAcquireTimeoutException">The lock stayed held for the whole wait; the body did not run.</exception>
    Task WithLockAsync(string target, Func<LockHandle, Task> body, LockOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Who holds <paramref name="target"/> and for how long, read from its <c>.lock</c> file.</summary>
    /// <param name="target">The file.</param>
    /// <param name="cancellationToken">Stops waiting for the answer.</param>
    /// <returns>The holder's metadata and age, or that it is free.</returns>
    /// <exception cref="LockStoreException">The target is invalid, its scheme is not configured, or the store failed.</exception>
    Task<LockInfo> GetInfoAsync(string target, CancellationToken cancellationToken = default);
}
