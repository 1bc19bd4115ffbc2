namespace LockActors.Storage;

/// <summary>Whose clock a store's timestamps come from.</summary>
public enum StoreClock
{
    /// <summary>The storage server's clock (S3 <c>Date</c>/<c>Last-Modified</c>, GCS <c>updated</c>, SFTP server mtime).</summary>
    Server,

    /// <summary>The clock of the host the store runs on (local disk, in-memory).</summary>
    LocalHost,
}

/// <summary>
/// The guarantees a store declares. A store is only used for locking when <see cref="IsSafeForLocking"/>
/// is true; otherwise acquiring throws <see cref="StoreNotSafeException"/>.
/// </summary>
/// <param name="AtomicCreate">Create-if-absent is atomic against every other process.</param>
/// <param name="CompareAndSwapReplace">Replace is conditional on the expected version (natively or emulated safely).</param>
/// <param name="CompareAndSwapDelete">Delete is conditional on the expected version (natively or emulated safely).</param>
/// <param name="CrossProcess">Other processes (and hosts) see the same sidecars; false for the in-memory store.</param>
/// <param name="Clock">Whose clock judges staleness.</param>
/// <param name="ClockResolution">Granularity of the store's timestamps; staleness checks add it as slack.</param>
/// <param name="Mechanism">One line saying how the guarantees are achieved, for logs and error messages.</param>
public sealed record StoreCapabilities(
    bool AtomicCreate,
    bool CompareAndSwapReplace,
    bool CompareAndSwapDelete,
    bool CrossProcess,
    StoreClock Clock,
    TimeSpan ClockResolution,
    string Mechanism)
{
    /// <summary>True when all three primitives are atomic, so the lock protocol holds.</summary>
    public bool IsSafeForLocking => AtomicCreate && CompareAndSwapReplace && CompareAndSwapDelete;

    /// <summary>
    /// The guarantees of a store behind a server (S3, GCS, SFTP): all three primitives atomic, shared by every process
    /// that reaches the server, staleness judged on the server's clock of the given resolution.
    /// </summary>
    public static StoreCapabilities ServerSide(TimeSpan clockResolution, string mechanism) => new(
        AtomicCreate: true,
        CompareAndSwapReplace: true,
        CompareAndSwapDelete: true,
        CrossProcess: true,
        Clock: StoreClock.Server,
        ClockResolution: clockResolution,
        Mechanism: mechanism);
}
