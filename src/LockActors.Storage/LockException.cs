namespace LockActors;

/// <summary>
/// The root of every exception LockActors throws for a reason of its own: a refused or failed lock request, a store
/// failure (<see cref="Storage.LockStoreException"/>), a timeout (<c>LockTimeoutException</c>) or invalid
/// configuration. <c>catch (LockException)</c> catches them all; argument checks on public methods still throw the
/// usual <see cref="ArgumentException"/> family, and cancellation throws <see cref="OperationCanceledException"/>.
/// </summary>
public abstract class LockException : Exception
{
    /// <summary>Creates the exception; <paramref name="target"/> is null when the failure concerns no single target.</summary>
    protected LockException(string? target, string message, Exception? inner = null) : base(message, inner) => Target = target;

    /// <summary>The target URI the failure concerns, or null when it concerns none (a configuration error, a whole store).</summary>
    public string? Target { get; }
}
