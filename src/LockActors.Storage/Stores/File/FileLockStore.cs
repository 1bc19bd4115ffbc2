using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace LockActors.Storage.Stores.File;

/// <summary>
/// The <c>file://</c> store: sidecars on a local (POSIX) file system, safe across processes.
/// </summary>
/// <remarks>
/// <para><b>Create</b>: the JSON is written to a private temp file, then <c>link(2)</c>ed to the sidecar name.
/// <c>link</c> fails with EEXIST when the name exists, so create-if-absent is atomic (like O_EXCL) and readers
/// never see a half-written sidecar.</para>
/// <para><b>Replace / delete</b> (no native compare-and-swap on files): open the sidecar, take
/// <c>flock(LOCK_EX)</c> on it for the microseconds of the check-and-write, re-check that the path still names
/// the locked inode (another writer may have swapped it), compare the version, then <c>rename(2)</c> a fully
/// written temp file over it (replace) or <c>unlink</c> it (delete). Every writer swaps the inode, so a racer
/// that waited on the old inode's lock sees the path moved on and reports a conflict.</para>
/// <para><b>Version</b>: inode, mtime and a content hash. <b>Clock</b>: the local host's (mtime, ns resolution).</para>
/// </remarks>
public sealed class FileLockStore : ILockStore
{
    private readonly FileStoreSettings _settings;
    private readonly TimeProvider _clock;
    private readonly string? _root;

    /// <summary>Creates the store.</summary>
    public FileLockStore(FileStoreSettings? settings = null, TimeProvider? clock = null)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD())
        {
            throw new PlatformNotSupportedException("The file:// lock store needs POSIX link/flock/rename semantics.");
        }

        _settings = settings ?? FileStoreSettings.Default;
        _clock = clock ?? TimeProvider.System;
        _root = _settings.Root is { Length: > 0 } root ? Path.TrimEndingDirectorySeparator(Path.GetFullPath(root)) + "/" : null;
    }

    /// <inheritdoc />
    public StoreCapabilities Capabilities { get; } = new(
        AtomicCreate: true,
        CompareAndSwapReplace: true,
        CompareAndSwapDelete: true,
        CrossProcess: true,
        Clock: StoreClock.LocalHost,
        ClockResolution: TimeSpan.FromMilliseconds(10),
        Mechanism: "create = write temp + link(2) (EEXIST-atomic); replace/delete = flock(LOCK_EX) + inode re-check + rename(2)/unlink");

    /// <inheritdoc />
    public Task<SidecarVersion?> TryCreateAsync(SidecarKey key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) =>
        Task.Run(() => TryCreate(key, content), cancellationToken);

    /// <inheritdoc />
    public Task<SidecarSnapshot?> ReadAsync(SidecarKey key, CancellationToken cancellationToken = default) =>
        Task.Run(() => Read(key), cancellationToken);

    /// <inheritdoc />
    public Task<SidecarVersion?> TryReplaceAsync(SidecarKey key, ReadOnlyMemory<byte> content, SidecarVersion expected, CancellationToken cancellationToken = default) =>
        CheckAndWriteAsync(key, expected, (path, _) => ReplaceWith(key, path, content), cancellationToken);

    /// <inheritdoc />
    public async Task<bool> TryDeleteAsync(SidecarKey key, SidecarVersion expected, CancellationToken cancellationToken = default) =>
        await CheckAndWriteAsync(key, expected, (path, current) =>
        {
            System.IO.File.Delete(path);
            return current;
        }, cancellationToken).ConfigureAwait(false) is not null;

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>The local path of a sidecar, checked against the configured root.</summary>
    internal string PathOf(SidecarKey key)
    {
        var path = key.Path;
        if (_root is not null && !path.StartsWith(_root, StringComparison.Ordinal))
        {
            throw new InvalidLockTargetException(key.Target.Normalized, $"it is outside the configured file store root '{_root}'");
        }

        return path;
    }

    private SidecarVersion? TryCreate(SidecarKey key, ReadOnlyMemory<byte> content)
    {
        SidecarLimits.EnsureWithinLimit(key, content.Length);
        var path = PathOf(key);
        var temp = TempNameFor(path);
        try
        {
            var version = WriteTemp(key, temp, content.Span);
            var errno = UnixFileApi.Link(temp, path);
            return errno switch
            {
                0 => version,
                UnixFileApi.EExist => null,
                UnixFileApi.ENoEnt or UnixFileApi.ENotDir => throw new StoreLocationNotFoundException(key, $"directory '{Path.GetDirectoryName(path)}' is missing"),
                UnixFileApi.EAccess => throw new StoreAccessDeniedException($"Permission denied creating '{path}'."),
                _ => throw new StoreUnavailableException($"link('{temp}', '{path}') failed with errno {errno}."),
            };
        }
        finally
        {
            TryDeleteQuietly(temp);
        }
    }

    private SidecarSnapshot? Read(SidecarKey key)
    {
        var path = PathOf(key);
        using var handle = OpenOrNull(key, path);
        if (handle is null)
        {
            return null;
        }

        var (content, version, modifiedAt) = ReadOpen(key, handle);
        return new SidecarSnapshot(content, version, modifiedAt, _clock.GetUtcNow());
    }

    private async Task<SidecarVersion?> CheckAndWriteAsync(
        SidecarKey key, SidecarVersion expected, Func<string, SidecarVersion, SidecarVersion> write, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        var deadline = _clock.GetTimestamp() + (long)(_settings.EffectiveCheckAndWriteTimeout.TotalSeconds * _clock.TimestampFrequency);
        while (true)
        {
            var outcome = await Task.Run(() => TryCheckAndWriteOnce(key, path, expected, write), cancellationToken).ConfigureAwait(false);
            if (outcome.Done)
            {
                return outcome.Version;
            }

            if (_clock.GetTimestamp() > deadline)
            {
                throw new StoreUnavailableException($"Timed out waiting for another process's check-and-write on '{path}'.");
            }

            await Task.Delay(1, cancellationToken).ConfigureAwait(false);
        }
    }

    private (bool Done, SidecarVersion? Version) TryCheckAndWriteOnce(
        SidecarKey key, string path, SidecarVersion expected, Func<string, SidecarVersion, SidecarVersion> write)
    {
        using var handle = OpenOrNull(key, path);
        if (handle is null)
        {
            return (true, null);
        }

        if (!UnixFileApi.TryLockExclusive(handle))
        {
            return (false, null);
        }

        if (UnixFileApi.InodeAt(path) != UnixFileApi.InodeOf(handle))
        {
            // Another writer swapped or removed the sidecar while we waited: evaluate the new one.
            return (false, null);
        }

        var (_, current, _) = ReadOpen(key, handle);
        return current != expected ? (true, null) : (true, write(path, current));
    }

    private SidecarVersion ReplaceWith(SidecarKey key, string path, ReadOnlyMemory<byte> content)
    {
        SidecarLimits.EnsureWithinLimit(key, content.Length);
        var temp = TempNameFor(path);
        try
        {
            var version = WriteTemp(key, temp, content.Span);
            System.IO.File.Move(temp, path, overwrite: true); // rename(2): readers see old or new, never a mix
            return version;
        }
        catch
        {
            TryDeleteQuietly(temp);
            throw;
        }
    }

    private static SafeFileHandle? OpenOrNull(SidecarKey key, string path)
    {
        var handle = UnixFileApi.OpenExisting(path, out var errno);
        return handle ?? errno switch
        {
            UnixFileApi.ENoEnt or UnixFileApi.ENotDir => null,
            UnixFileApi.EAccess => throw new StoreAccessDeniedException($"Permission denied reading '{path}'."),
            _ => throw new StoreUnavailableException($"open('{path}') failed with errno {errno} for '{key}'."),
        };
    }

    private static (byte[] Content, SidecarVersion Version, DateTimeOffset ModifiedAt) ReadOpen(SidecarKey key, SafeFileHandle handle)
    {
        var length = RandomAccess.GetLength(handle);
        SidecarLimits.EnsureWithinLimit(key, length);
        var content = new byte[length];
        var read = 0;
        while (read < content.Length)
        {
            var n = RandomAccess.Read(handle, content.AsSpan(read), read);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        var modifiedAt = new DateTimeOffset(System.IO.File.GetLastWriteTimeUtc(handle), TimeSpan.Zero);
        return (content, VersionOf(UnixFileApi.InodeOf(handle), modifiedAt, content), modifiedAt);
    }

    private static SidecarVersion WriteTemp(SidecarKey key, string temp, ReadOnlySpan<byte> content)
    {
        try
        {
            using var handle = System.IO.File.OpenHandle(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            RandomAccess.Write(handle, content, 0);
            var modifiedAt = new DateTimeOffset(System.IO.File.GetLastWriteTimeUtc(handle), TimeSpan.Zero);
            return VersionOf(UnixFileApi.InodeOf(handle), modifiedAt, content);
        }
        catch (DirectoryNotFoundException e)
        {
            throw new StoreLocationNotFoundException(key, $"directory '{Path.GetDirectoryName(temp)}' is missing", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new StoreAccessDeniedException($"Permission denied writing next to '{key}'.", e);
        }
    }

    private static SidecarVersion VersionOf(ulong inode, DateTimeOffset modifiedAt, ReadOnlySpan<byte> content)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(content, hash);
        return new SidecarVersion(string.Create(CultureInfo.InvariantCulture, $"{inode:x}.{modifiedAt.UtcTicks:x}.{Convert.ToHexStringLower(hash[..8])}"));
    }

    private static string TempNameFor(string sidecarPath) =>
        Path.Combine(Path.GetDirectoryName(sidecarPath) ?? "/", "." + Path.GetFileName(sidecarPath) + "." + Guid.NewGuid().ToString("N")[..12] + ".tmp");

    private static void TryDeleteQuietly(string path)
    {
        try
        {
            System.IO.File.Delete(path);
        }
        catch (IOException)
        {
            // A leftover temp file is harmless litter; never mask the real outcome.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
