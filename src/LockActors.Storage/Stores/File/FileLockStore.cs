using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace LockActors.Storage.Stores.File;

/// <summary>
/// The <c>file://</c> store: sidecars on a local Linux file system, safe across processes.
/// </summary>
/// <remarks>
/// <para><b>Create</b>: the JSON is written to an unnamed file in the sidecar's directory (<c>O_TMPFILE</c>), then
/// <c>linkat(2)</c>ed to the sidecar name; on a file system without <c>O_TMPFILE</c> (or without /proc), to a private
/// temp file that is <c>link(2)</c>ed and unlinked. Either link fails with EEXIST when the name exists, so
/// create-if-absent is atomic (like O_EXCL) and readers never see a half-written sidecar. The unnamed file leaves
/// nothing behind if the process dies before the link; the temp file has a short fixed-length name in the sidecar's
/// directory (<c>.lockactors-&lt;16 hex&gt;.tmp</c>), so every sidecar name that fits the file system's NAME_MAX can be
/// locked either way.</para>
/// <para><b>Replace / delete</b> (no native compare-and-swap on files): open the sidecar, take
/// <c>flock(LOCK_EX)</c> on it for the microseconds of the check-and-write, re-check that the path still names
/// the locked inode (another writer may have swapped it), compare the version, then <c>rename(2)</c> a fully
/// written temp file over it (replace) or <c>unlink</c> it (delete). Every writer swaps the inode, so a racer
/// that waited on the old inode's lock sees the path moved on and reports a conflict.</para>
/// <para><b>Special files</b>: a sidecar path naming a FIFO, directory, device, socket or symbolic link (dangling or
/// not) is never followed and never blocked on: it is checked with <c>lstat</c>, opened with
/// <c>O_NOFOLLOW | O_NONBLOCK | O_NOCTTY</c> and checked again with <c>fstat</c>. Read, replace and delete throw
/// <see cref="SidecarNotRegularFileException"/>; create answers "exists" (<c>link</c> never follows its new name).</para>
/// <para><b>Oversized sidecars</b> read as their first <see cref="SidecarLimits.MaxBytes"/> + 1 bytes with their real
/// version (see <see cref="ILockStore.ReadAsync"/>). <b>Version</b>: inode, mtime, size and a hash of the bytes read.
/// <b>Clock</b>: the local host's (mtime, ns resolution).</para>
/// <para><b>Threads</b>: each operation's system calls run on a pool thread (<c>Task.Run</c>), or, with
/// <see cref="FileStoreSettings.InlineIo"/>, on the calling thread (the task returned is already complete; for local
/// file systems only — see that setting).</para>
/// <para>Every failure is a <see cref="LockStoreException"/>: errno values map to typed errors (EACCES/EPERM/EROFS →
/// <see cref="StoreAccessDeniedException"/>, ENOENT/ENOTDIR on the directory → <see cref="StoreLocationNotFoundException"/>,
/// ENAMETOOLONG → <see cref="InvalidLockTargetException"/>, ELOOP/EISDIR/ENXIO on the sidecar →
/// <see cref="SidecarNotRegularFileException"/>, anything else → <see cref="StoreUnavailableException"/>).</para>
/// </remarks>
public sealed class FileLockStore : ILockStore, ILockStoreListing
{
    private const string TempPrefix = ".lockactors-";
    private readonly FileStoreSettings _settings;
    private readonly TimeProvider _clock;
    private readonly string? _root;
    private volatile bool _unnamedTempFiles = true;

    /// <summary>Creates the store.</summary>
    /// <exception cref="PlatformNotSupportedException">Not Linux on x86-64 or AArch64.</exception>
    public FileLockStore(FileStoreSettings? settings = null, TimeProvider? clock = null)
    {
        if (!FileWire.IsSupported)
        {
            throw new PlatformNotSupportedException(
                "The file:// lock store needs Linux on x86-64 or AArch64 (link/flock/rename, O_NOFOLLOW and struct stat as laid out there).");
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
        Mechanism: "create = write an O_TMPFILE (or a temp file) + link (EEXIST-atomic); replace/delete = flock(LOCK_EX) + inode re-check + rename(2)/unlink");

    /// <inheritdoc />
    public Task<SidecarVersion?> TryCreateAsync(SidecarKey key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) =>
        content.Length > SidecarLimits.MaxBytes
            ? Task.FromException<SidecarVersion?>(new SidecarTooLargeException(key, content.Length))
            : Start(key, () => TryCreate(key, content), cancellationToken);

    /// <inheritdoc />
    public Task<SidecarSnapshot?> ReadAsync(SidecarKey key, CancellationToken cancellationToken = default) =>
        Start(key, () => Read(key), cancellationToken);

    /// <inheritdoc />
    public Task<SidecarVersion?> TryReplaceAsync(SidecarKey key, ReadOnlyMemory<byte> content, SidecarVersion expected, CancellationToken cancellationToken = default) =>
        content.Length > SidecarLimits.MaxBytes
            ? Task.FromException<SidecarVersion?>(new SidecarTooLargeException(key, content.Length))
            : CheckAndWriteAsync(key, expected, (path, _) => ReplaceWith(key, path, content), cancellationToken);

    /// <inheritdoc />
    public async Task<bool> TryDeleteAsync(SidecarKey key, SidecarVersion expected, CancellationToken cancellationToken = default) =>
        await CheckAndWriteAsync(key, expected, (path, current) =>
        {
            var errno = FileWire.Unlink(path);
            return errno == 0 ? current : throw ErrorFor(key, path, "unlink", errno);
        }, cancellationToken).ConfigureAwait(false) is not null;

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <inheritdoc />
    /// <remarks>Walks the prefix's folder and its subfolders on a pool thread; symbolic links (to files or folders) and
    /// special files are skipped, folders it may not read are skipped too.</remarks>
    public async IAsyncEnumerable<SidecarKey> ListSidecarsAsync(LockPrefix prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        prefix.RequireScheme("file", "the file store");

        if (_root is not null && !prefix.Path.StartsWith(_root, StringComparison.Ordinal) && !_root.StartsWith(prefix.Path, StringComparison.Ordinal))
        {
            throw new InvalidLockTargetException(prefix.Normalized, $"it is outside the configured file store root '{_root}'");
        }

        var found = await Task.Run(() => FileListing.Sidecars(prefix, _root), cancellationToken).ConfigureAwait(false);
        foreach (var key in found)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return key;
        }
    }

    /// <summary>
    /// Whether creates still try <c>O_TMPFILE</c> first; turned off for good the first time the file system refuses it.
    /// Tests turn it off to run the suites on the temp-file path.
    /// </summary>
    internal bool UnnamedTempFiles
    {
        get => _unnamedTempFiles;
        set => _unnamedTempFiles = value;
    }

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

    /// <summary>
    /// The private temp name used next to <paramref name="sidecarPath"/>: short and of fixed length (32 bytes), 64 random
    /// bits from the process's shared generator (no system call; the temp file is created with O_EXCL anyway).
    /// </summary>
    internal static string TempNameFor(string sidecarPath) =>
        Path.Combine(Path.GetDirectoryName(sidecarPath) ?? "/", TempPrefix + Random.Shared.NextInt64().ToString("x16", CultureInfo.InvariantCulture) + ".tmp");

    private SidecarVersion? TryCreate(SidecarKey key, ReadOnlyMemory<byte> content)
    {
        var path = PathOf(key);
        return _unnamedTempFiles && TryCreateUnnamed(key, path, content.Span, out var created)
            ? created
            : TryCreateThroughTempName(key, path, content);
    }

    /// <summary>
    /// Create through an unnamed file (<c>O_TMPFILE</c> + <c>linkat</c>): 5 system calls against the temp file's 6, and
    /// no name to clean up. False (nothing done) where the file system or the missing /proc does not allow it.
    /// </summary>
    private bool TryCreateUnnamed(SidecarKey key, string path, ReadOnlySpan<byte> content, out SidecarVersion? created)
    {
        created = null;
        using var handle = FileWire.CreateUnnamed(Path.GetDirectoryName(path) ?? "/", out var errno);
        if (handle is null)
        {
            if (errno is FileWire.EOpNotSupp or FileWire.EIsDir or FileWire.EInval)
            {
                _unnamedTempFiles = false;
                return false;
            }

            throw ErrorFor(key, path, "open(O_TMPFILE)", errno);
        }

        var version = WriteAndStat(key, path, handle, content);

        // linkat(2) never follows its new name: a FIFO, directory or (dangling) symbolic link there is EEXIST, untouched.
        errno = FileWire.LinkOpen(handle, path);
        switch (errno)
        {
            case 0:
                created = version;
                return true;
            case FileWire.EExist:
                return true;
            case FileWire.ENoEnt:
                // No /proc (the link's source), or the directory just went away: the temp-file path tells which.
                _unnamedTempFiles = Directory.Exists("/proc/self/fd");
                return false;
            default:
                throw ErrorFor(key, path, "linkat", errno);
        }
    }

    private static SidecarVersion? TryCreateThroughTempName(SidecarKey key, string path, ReadOnlyMemory<byte> content)
    {
        var temp = TempNameFor(path);
        try
        {
            var version = WriteTemp(key, temp, content.Span);

            // link(2) never follows its new name: a FIFO, directory or (dangling) symbolic link there is EEXIST, untouched.
            var errno = FileWire.Link(temp, path);
            return errno switch
            {
                0 => version,
                FileWire.EExist => null,
                _ => throw ErrorFor(key, path, "link", errno),
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
        if (OpenRegularOrNull(key, path) is not var (handle, stat))
        {
            return null;
        }

        using var closeOnExit = handle;
        var (content, version) = ReadOpen(handle, stat);
        return new SidecarSnapshot(content, version, ModifiedAt(handle), _clock.GetUtcNow());
    }

    /// <summary>
    /// Runs one primitive's synchronous body: on a pool thread (<c>Task.Run</c>), or with <see cref="FileStoreSettings.InlineIo"/>
    /// on the calling thread, returning a completed task (a failure as a faulted task, never thrown).
    /// </summary>
    private Task<T> Start<T>(SidecarKey key, Func<T> body, CancellationToken cancellationToken)
    {
        if (!_settings.InlineIo)
        {
            return Task.Run(() => Typed(key, body), cancellationToken);
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }

        try
        {
            return Task.FromResult(Typed(key, body));
        }
        catch (Exception e)
        {
            return Task.FromException<T>(e);
        }
    }

    private Task<SidecarVersion?> CheckAndWriteAsync(
        SidecarKey key, SidecarVersion expected, Func<string, SidecarVersion, SidecarVersion> write, CancellationToken cancellationToken)
    {
        string path;
        try
        {
            path = PathOf(key);
        }
        catch (LockStoreException e)
        {
            return Task.FromException<SidecarVersion?>(e);
        }

        var deadline = _clock.GetTimestamp() + (long)(_settings.CheckAndWriteTimeout.TotalSeconds * _clock.TimestampFrequency);
        var first = Start(key, () => TryCheckAndWriteOnce(key, path, expected, write), cancellationToken);
        return first.IsCompletedSuccessfully && first.Result.Done
            ? Task.FromResult(first.Result.Version)
            : RetryCheckAndWriteAsync(first, key, path, expected, write, deadline, cancellationToken);
    }

    /// <summary>
    /// Waits for the first attempt, then retries every millisecond while another process's check-and-write holds the
    /// sidecar's flock (never blocking on it), until <see cref="FileStoreSettings.CheckAndWriteTimeout"/>.
    /// </summary>
    private async Task<SidecarVersion?> RetryCheckAndWriteAsync(
        Task<(bool Done, SidecarVersion? Version)> attempt, SidecarKey key, string path, SidecarVersion expected,
        Func<string, SidecarVersion, SidecarVersion> write, long deadline, CancellationToken cancellationToken)
    {
        while (true)
        {
            var outcome = await attempt.ConfigureAwait(false);
            if (outcome.Done)
            {
                return outcome.Version;
            }

            if (_clock.GetTimestamp() > deadline)
            {
                throw new StoreUnavailableException($"Timed out waiting for another process's check-and-write on '{path}'.");
            }

            await Task.Delay(1, cancellationToken).ConfigureAwait(false);
            attempt = Start(key, () => TryCheckAndWriteOnce(key, path, expected, write), cancellationToken);
        }
    }

    private static (bool Done, SidecarVersion? Version) TryCheckAndWriteOnce(
        SidecarKey key, string path, SidecarVersion expected, Func<string, SidecarVersion, SidecarVersion> write)
    {
        if (OpenRegularOrNull(key, path) is not var (handle, stat))
        {
            return (true, null);
        }

        using var closeOnExit = handle;
        if (!FileWire.TryLockExclusive(handle))
        {
            return (false, null);
        }

        if (FileWire.StatAt(path, out _)?.Inode != stat.Inode)
        {
            // Another writer swapped or removed the sidecar while we waited: evaluate the new one.
            return (false, null);
        }

        // Every writer swaps the inode and never writes in place, so the stat taken at open still describes the
        // locked inode's bytes (a foreign in-place writer is caught by the hash of what is read).
        var (_, current) = ReadOpen(handle, stat);
        return current != expected ? (true, null) : (true, write(path, current));
    }

    private static SidecarVersion ReplaceWith(SidecarKey key, string path, ReadOnlyMemory<byte> content)
    {
        var temp = TempNameFor(path);
        try
        {
            var version = WriteTemp(key, temp, content.Span);
            var errno = FileWire.Rename(temp, path); // readers see old or new, never a mix
            return errno == 0 ? version : throw ErrorFor(key, path, "rename", errno);
        }
        catch
        {
            TryDeleteQuietly(temp);
            throw;
        }
    }

    /// <summary>
    /// Opens the sidecar if it is a regular file; null when nothing is there. Anything else is refused without being
    /// opened (lstat) — a device's open may have side effects, a FIFO's blocks — and a swap between the lstat and the
    /// open is caught by O_NOFOLLOW (ELOOP), O_NONBLOCK (FIFOs) and the fstat check.
    /// </summary>
    private static (SafeFileHandle Handle, FileStat Stat)? OpenRegularOrNull(SidecarKey key, string path)
    {
        var before = FileWire.StatAt(path, out var errno);
        if (before is null)
        {
            return errno is FileWire.ENoEnt or FileWire.ENotDir ? null : throw ErrorFor(key, path, "lstat", errno);
        }

        if (before.Value.Kind != UnixFileKind.Regular)
        {
            throw new SidecarNotRegularFileException(key, Describe(before.Value.Kind));
        }

        var handle = FileWire.OpenExisting(path, out errno);
        if (handle is null)
        {
            return errno switch
            {
                FileWire.ENoEnt or FileWire.ENotDir => null,
                FileWire.ELoop => throw new SidecarNotRegularFileException(key, Describe(UnixFileKind.SymbolicLink)),
                _ => throw ErrorFor(key, path, "open", errno),
            };
        }

        var stat = FileWire.StatOf(handle);
        if (stat.Kind != UnixFileKind.Regular)
        {
            handle.Dispose();
            throw new SidecarNotRegularFileException(key, Describe(stat.Kind));
        }

        return (handle, stat);
    }

    /// <summary>
    /// Reads at most <see cref="SidecarLimits.MaxBytes"/> + 1 bytes: an oversized sidecar is judged, not loaded. A read
    /// that stops short exactly at the size fstat reported is the end of the file (one <c>pread</c> for a sidecar that
    /// did not change); anything else reads on until a read returns nothing.
    /// </summary>
    private static (byte[] Content, SidecarVersion Version) ReadOpen(SafeFileHandle handle, FileStat stat)
    {
        var length = stat.Size;
        var content = new byte[Math.Min(length, SidecarLimits.MaxBytes) + 1];
        var read = 0;
        while (read < content.Length)
        {
            var wanted = content.Length - read;
            var n = FileWire.ReadAt(handle, content.AsSpan(read), read);
            read += n;
            if (n == 0 || (n < wanted && read == length))
            {
                break;
            }

            if (read == content.Length && content.Length <= SidecarLimits.MaxBytes)
            {
                // It grew since the fstat (a foreign in-place writer): keep reading up to the cap.
                Array.Resize(ref content, SidecarLimits.MaxBytes + 1);
            }
        }

        Array.Resize(ref content, read);
        return (content, VersionOf(stat, length, content));
    }

    private static SidecarVersion WriteTemp(SidecarKey key, string temp, ReadOnlySpan<byte> content)
    {
        // Raw open(O_CREAT | O_EXCL): .NET's File.OpenHandle would add an fstat, an lseek and a flock per create.
        using var handle = FileWire.CreateExclusive(temp, out var errno) ?? throw ErrorFor(key, temp, "open", errno);
        return WriteAndStat(key, temp, handle, content);
    }

    /// <summary>Writes the whole content from offset 0 and returns the version of what was written (one fstat).</summary>
    private static SidecarVersion WriteAndStat(SidecarKey key, string pathForErrors, SafeFileHandle handle, ReadOnlySpan<byte> content)
    {
        try
        {
            FileWire.WriteAll(handle, content);
        }
        catch (IOException e) when (e.HResult is > 0 and < 4096)
        {
            // The raw errno (ENOSPC, EDQUOT, EIO…): map it like every other call here.
            throw ErrorFor(key, pathForErrors, "write", e.HResult);
        }

        return VersionOf(FileWire.StatOf(handle), content.Length, content);
    }

    /// <summary>
    /// The modification time a read reports, through .NET's own stat, the same path as the clock this process judges
    /// staleness with (<see cref="TimeProvider.System"/>): both are shifted together when the process's wall clock is
    /// faked (libfaketime in the clock-skew tests), where a raw fstat(2) through another libc symbol is not, and every
    /// lock looked stale. Versions use the raw fstat's st_mtim instead (<see cref="VersionOf"/>): they are only ever
    /// compared with versions this store computed the same way, so one fstat per create and per check-and-write is enough.
    /// </summary>
    private static DateTimeOffset ModifiedAt(SafeFileHandle handle) => new(System.IO.File.GetLastWriteTimeUtc(handle), TimeSpan.Zero);

    /// <summary>Inode, st_mtim (ns, raw fstat), size and a hash of the bytes: any swap or rewrite changes it.</summary>
    private static SidecarVersion VersionOf(FileStat stat, long length, ReadOnlySpan<byte> content)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(content, hash);
        return new SidecarVersion(string.Create(CultureInfo.InvariantCulture, $"{stat.Inode:x}.{stat.ModifiedNs:x}.{length:x}.{Convert.ToHexStringLower(hash[..8])}"));
    }

    /// <summary>Runs one primitive's synchronous body so that only <see cref="LockStoreException"/>s escape.</summary>
    private static T Typed<T>(SidecarKey key, Func<T> body)
    {
        try
        {
            return body();
        }
        catch (DirectoryNotFoundException e)
        {
            throw new StoreLocationNotFoundException(key, e.Message, e);
        }
        catch (PathTooLongException)
        {
            throw new InvalidLockTargetException(key.Target.Normalized, "its sidecar path is longer than the file system allows");
        }
        catch (UnauthorizedAccessException e)
        {
            throw new StoreAccessDeniedException($"Access to '{key}' was denied: {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new StoreUnavailableException($"File-system error on '{key}': {e.Message}", e);
        }
    }

    private static LockStoreException ErrorFor(SidecarKey key, string path, string operation, int errno)
    {
        var detail = $"{operation}('{path}') failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})";
        return errno switch
        {
            FileWire.ENoEnt or FileWire.ENotDir => new StoreLocationNotFoundException(key, $"directory '{Path.GetDirectoryName(path)}' is missing; {detail}"),
            FileWire.EAccess or FileWire.EPerm or FileWire.ERofs => new StoreAccessDeniedException($"Access to '{key}' was denied: {detail}."),
            FileWire.ENameTooLong => new InvalidLockTargetException(key.Target.Normalized, $"its sidecar name or path is longer than the file system allows; {detail}"),
            FileWire.ELoop => new StoreLocationNotFoundException(key, $"the directory path loops through symbolic links; {detail}"),
            FileWire.EIsDir => new SidecarNotRegularFileException(key, Describe(UnixFileKind.Directory)),
            FileWire.ENxio => new SidecarNotRegularFileException(key, "a socket or a device"),
            _ => new StoreUnavailableException($"File-system error on '{key}': {detail}."),
        };
    }

    private static string Describe(UnixFileKind kind) => kind switch
    {
        UnixFileKind.Directory => "a directory",
        UnixFileKind.CharacterDevice => "a character device",
        UnixFileKind.BlockDevice => "a block device",
        UnixFileKind.Fifo => "a FIFO (named pipe)",
        UnixFileKind.SymbolicLink => "a symbolic link (never followed)",
        UnixFileKind.Socket => "a socket",
        _ => "a special file",
    };

    private static void TryDeleteQuietly(string path) =>
        _ = FileWire.Unlink(path); // a leftover temp file is harmless litter; never mask the real outcome
}
