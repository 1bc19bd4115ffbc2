namespace LockActors.Storage;

/// <summary>Base of every error raised by a store or by target parsing.</summary>
public abstract class LockStoreException : LockException
{
    /// <summary>Creates the exception; <paramref name="target"/> is null when the failure concerns no single target.</summary>
    protected LockStoreException(string? target, string message, Exception? inner = null) : base(target, message, inner)
    {
    }
}

/// <summary>The URI is not a valid lock target (malformed, traversal, directory, query…). Nothing was touched.</summary>
public sealed class InvalidLockTargetException(string uri, string reason)
    : LockStoreException(uri, $"'{uri}' is not a valid lock target: {reason}.")
{
    /// <summary>The URI as given.</summary>
    public string Uri { get; } = uri;

    /// <summary>Why it was rejected.</summary>
    public string Reason { get; } = reason;
}

/// <summary>
/// No store is registered for the URI's scheme. Nothing was touched. <c>mem://</c> and <c>file://</c> are built in; a
/// network store exists only when it is configured, and the message says how.
/// </summary>
public sealed class UnsupportedSchemeException(string scheme, IEnumerable<string> registered)
    : LockStoreException(
        null,
        $"No lock store is registered for scheme '{scheme}://' (registered: {string.Join(", ", registered.Order(StringComparer.Ordinal).Select(s => s + "://"))}). " +
        $"A store other than mem:// and file:// exists only when configured: reference its backend package and enable it with " +
        $"WithLockActors(options => options.Use<Backend>()) or by naming its provider in lock-actors.stores.{scheme}.provider " +
        "(for example the LockActors.S3 package and options.UseS3() for s3://).")
{
    /// <summary>The scheme that was asked for.</summary>
    public string Scheme { get; } = scheme;
}

/// <summary>The store could not be reached, timed out, or the outcome of a write stayed unknown after re-reading.</summary>
public sealed class StoreUnavailableException(string message, Exception? inner = null) : LockStoreException(null, message, inner);

/// <summary>The bucket, container or directory that should hold the sidecar does not exist.</summary>
public sealed class StoreLocationNotFoundException(SidecarKey key, string detail, Exception? inner = null)
    : LockStoreException(key.Target.Normalized, $"The location for '{key}' does not exist: {detail}.", inner)
{
    /// <summary>The sidecar that could not be placed.</summary>
    public SidecarKey Key { get; } = key;
}

/// <summary>The store rejected the credentials or the host key, or denied the operation.</summary>
public sealed class StoreAccessDeniedException(string message, Exception? inner = null) : LockStoreException(null, message, inner);

/// <summary>The store cannot give the atomic guarantees the lock protocol needs (declared or found by a probe).</summary>
public sealed class StoreNotSafeException(string message) : LockStoreException(null, message);

/// <summary>The sidecar exists but does not hold valid lock metadata. It is left untouched.</summary>
public class CorruptSidecarException(SidecarKey key, string reason, Exception? inner = null)
    : LockStoreException(key.Target.Normalized, $"The sidecar '{key}' is corrupt: {reason}.", inner)
{
    /// <summary>The corrupt sidecar.</summary>
    public SidecarKey Key { get; } = key;

    /// <summary>What is wrong with it.</summary>
    public string Reason { get; } = reason;
}

/// <summary>
/// The sidecar is larger than <see cref="SidecarLimits.MaxBytes"/>: not lock metadata. Like any corrupt sidecar it is
/// left untouched unless the caller's stale policy takes it over (stores read its first bytes and its real version, so
/// a compare-and-swap takeover works). Writing content over the limit also throws it, before the store is touched.
/// </summary>
public sealed class SidecarTooLargeException(SidecarKey key, long length)
    : CorruptSidecarException(key, $"it is {(length > SidecarLimits.MaxBytes + 1 ? length.ToString(System.Globalization.CultureInfo.InvariantCulture) : "at least " + length.ToString(System.Globalization.CultureInfo.InvariantCulture))} bytes, more than the {SidecarLimits.MaxBytes}-byte limit")
{
    /// <summary>The size found: the real size, or <c>MaxBytes + 1</c> when only that much was read.</summary>
    public long Length { get; } = length;
}

/// <summary>
/// The sidecar path names something other than a regular file: a FIFO, a directory, a device, a socket, or a symbolic
/// link (dangling or not). It is never opened for reading beyond a non-blocking check, never followed, never replaced
/// and never removed; a create against it answers "already exists". Unlike <see cref="CorruptSidecarException"/> it is
/// not subject to any stale policy: remove it by hand if it is not meant to be there.
/// </summary>
public sealed class SidecarNotRegularFileException(SidecarKey key, string kind)
    : LockStoreException(key.Target.Normalized, $"The sidecar '{key}' is not a regular file but {kind}; it is left untouched and never taken over (remove it by hand if it does not belong there).")
{
    /// <summary>The sidecar that was refused.</summary>
    public SidecarKey Key { get; } = key;

    /// <summary>What the path names instead, e.g. "a FIFO", "a directory", "a symbolic link".</summary>
    public string Kind { get; } = kind;
}
