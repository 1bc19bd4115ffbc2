namespace LockActors.Storage.Stores.File;

/// <summary>
/// Immutable settings of the <c>file://</c> store (HOCON <c>lock-actors.stores.file</c>). Start from
/// <see cref="Default"/>; every <c>With*</c> copy is validated, so every instance is usable (an invalid value throws
/// <see cref="ArgumentException"/> naming its HOCON key).
/// </summary>
public sealed record FileStoreSettings
{
    private FileStoreSettings()
    {
    }

    /// <summary>The defaults: no root restriction, 5 s check-and-write timeout, system calls on a pool thread.</summary>
    public static FileStoreSettings Default { get; } = new FileStoreSettings().Validated();

    /// <summary>When set, only targets under this directory are accepted (defence in depth against traversal).</summary>
    public string? Root { get; private init; }

    /// <summary>How long a replace or delete waits for another process's check-and-write to finish.</summary>
    public TimeSpan CheckAndWriteTimeout { get; private init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Runs the store's system calls on the calling thread (<c>inline-io</c>, default off) instead of hopping to a pool
    /// thread with <c>Task.Run</c>: each operation is a handful of calls of a few microseconds each on a local disk, and
    /// the returned task is already complete, so a lock actor handles the reply without a mailbox round trip.
    /// </summary>
    /// <remarks>
    /// The risk: the caller's thread — an Akka dispatcher thread when the lock actors call the store — is blocked for
    /// as long as the file system takes. On a local disk that is microseconds; on a remote or stalled file system (NFS,
    /// a hung mount) it blocks the dispatcher, and the lock system's store-operation timeout cannot interrupt a call
    /// already in progress. Only a wait for another process's check-and-write (a busy <c>flock</c>) leaves the thread:
    /// the retries run asynchronously, as with the setting off. Turn it on only for local file systems.
    /// </remarks>
    public bool InlineIo { get; private init; }

    /// <summary>A copy restricted to <paramref name="root"/> (null or empty: no restriction).</summary>
    public FileStoreSettings WithRoot(string? root) => (this with { Root = string.IsNullOrWhiteSpace(root) ? null : root }).Validated();

    /// <summary>A copy with another check-and-write timeout.</summary>
    public FileStoreSettings WithCheckAndWriteTimeout(TimeSpan timeout) => (this with { CheckAndWriteTimeout = timeout }).Validated();

    /// <summary>A copy that runs the system calls on the calling thread (<paramref name="inline"/> = true) or on a pool thread.</summary>
    public FileStoreSettings WithInlineIo(bool inline) => (this with { InlineIo = inline }).Validated();

    /// <summary>The one place the settings are checked; every way of making them ends here.</summary>
    private FileStoreSettings Validated() =>
        CheckAndWriteTimeout > TimeSpan.Zero
            ? this
            : throw new ArgumentException($"check-and-write-timeout must be positive, not {CheckAndWriteTimeout}.", "check-and-write-timeout");
}
