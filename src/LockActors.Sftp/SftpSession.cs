using Renci.SshNet.Common;
using Renci.SshNet.Sftp;

namespace LockActors.Sftp;

/// <summary>
/// One store operation on one connection: the counted SFTP requests it sends on the sidecar and its neighbours, their
/// error mapping, and the commit (the one request whose outcome cannot be undone). Created by <see cref="SftpSessions"/>.
/// </summary>
internal sealed class SftpSession(SftpSessions sessions, SftpEndpoint endpoint, SftpWire wire, SidecarKey key, SftpServerClock clock, CancellationToken cancellationToken)
{
    private static readonly TimeSpan ClockRefreshInterval = TimeSpan.FromMinutes(5);

    /// <summary>SSH_FX_FILE_ALREADY_EXISTS (SFTP v5+; sent by some servers to v3 clients too).</summary>
    private const int FileAlreadyExists = 11;

    private readonly List<Task> _deferredCloses = [];

    /// <summary>The login this session's connection belongs to.</summary>
    public SftpEndpoint Endpoint => endpoint;

    /// <summary>The sidecar this operation is about.</summary>
    public SidecarKey Key => key;

    /// <summary>The request layer of this session's connection.</summary>
    public SftpWire Wire => wire;

    /// <summary>The sidecar's path and the names of its temp, guard and break-token files.</summary>
    public SftpSidecarNames Names { get; } = new(key.Path);

    /// <summary>The clock estimate of this session's server (servers' clocks differ; users do not matter).</summary>
    public SftpServerClock Clock => clock;

    /// <summary>The caller's cancellation.</summary>
    public CancellationToken Token => cancellationToken;

    /// <summary>True once a request whose outcome cannot be undone (the commit) was sent.</summary>
    public bool CommitSent { get; private set; }

    /// <summary>Drops this session's connection from the pool and opens a session for the same sidecar on a fresh one.</summary>
    public Task<SftpSession> ReconnectAsync() => sessions.ReconnectAsync(this);

    /// <summary>Writes <paramref name="content"/> to a fresh temp file next to the sidecar; learns the server clock from it.</summary>
    public async Task<SftpTempFile> WriteTempAsync(ReadOnlyMemory<byte> content)
    {
        var path = Names.NewTemp();
        var before = sessions.Time.GetUtcNow();
        var handle = await TryOpenExclusiveAsync(path).ConfigureAwait(false)
            ?? throw new StoreUnavailableException($"A fresh temp file '{path}' already exists on sftp://{endpoint}.");

        // WRITE, FSTAT and CLOSE on one handle travel together: an SFTP server processes requests on the same
        // file in order, so FSTAT sees the mtime the WRITE set.
        var writing = content.Length > 0 ? wire.WriteAsync(handle, content.ToArray(), cancellationToken) : Task.CompletedTask;
        var stat = wire.FStatAsync(handle, cancellationToken);
        var closing = wire.CloseAsync(handle, cancellationToken);
        SftpFileAttributes attributes;
        try
        {
            await Task.WhenAll(writing, stat).ConfigureAwait(false);
            attributes = await stat.ConfigureAwait(false);
        }
        finally
        {
            await closing.ConfigureAwait(false);
        }

        var after = sessions.Time.GetUtcNow();
        var modifiedAt = SftpFileVersion.MtimeOf(attributes);
        clock.Observe(modifiedAt, before, after);
        return new SftpTempFile(path, SftpFileVersion.Of(content.Span, content.Length, modifiedAt));
    }

    /// <summary>
    /// Reads the sidecar without a guard: LSTAT, then OPEN, then FSTAT and READ pipelined, so bytes, size and mtime
    /// come from the same file even while other writers rename new sidecars over the path. Null when absent.
    /// </summary>
    public async Task<SftpSidecarFile?> ReadSidecarAsync() =>
        await StatAsync(key.Path).ConfigureAwait(false) is { } entry ? await ReadThroughHandleAsync(entry, guarded: false).ConfigureAwait(false) : null;

    /// <summary>
    /// Reads the sidecar under <paramref name="guard"/>, whose acquisition already brought its LSTAT (null when absent).
    /// The CLOSE is not waited for (it overlaps the commit; see <see cref="DrainDeferredClosesAsync"/>).
    /// </summary>
    public Task<SftpSidecarFile?> ReadSidecarAsync(SftpHeldGuard guard) =>
        guard.Sidecar is { } entry ? ReadThroughHandleAsync(entry, guarded: true) : Task.FromResult<SftpSidecarFile?>(null);

    /// <summary>
    /// OPEN, then FSTAT and READ pipelined on the handle. <paramref name="entry"/> is the sidecar's LSTAT: it is checked
    /// first, because opening a FIFO would block the server's sftp process (and this connection) until a writer
    /// appears, and opening a symbolic link or device would read something that is not this sidecar.
    /// </summary>
    private async Task<SftpSidecarFile?> ReadThroughHandleAsync(SftpFileAttributes entry, bool guarded)
    {
        EnsureRegularFile(entry);
        byte[] handle;
        try
        {
            handle = await wire.OpenAsync(key.Path, SftpWire.OpenFlags.Read, cancellationToken).ConfigureAwait(false);
        }
        catch (SftpPathNotFoundException)
        {
            return null;
        }

        try
        {
            // Under the guard, on a server that handles requests in order, the LSTAT sent with the guard's OPEN was
            // handled after the guard existed, and no writer following the protocol changes the sidecar while the guard
            // is held: its size and mtime are those of the bytes read here, and no FSTAT is needed. Otherwise FSTAT
            // and READ go together on the handle, so bytes, size and mtime come from one file.
            var stat = guarded && wire.ProcessesInOrder ? Task.FromResult(entry) : wire.FStatAsync(handle, cancellationToken);
            var first = wire.ReadAsync(handle, 0, SidecarLimits.MaxBytes + 1, cancellationToken);
            await Task.WhenAll(stat, first).ConfigureAwait(false);
            var attributes = await stat.ConfigureAwait(false);
            EnsureRegularFile(attributes); // replaced by something else between LSTAT and OPEN
            var content = await first.ConfigureAwait(false);

            // An oversized sidecar is read as its first MaxBytes + 1 bytes (the codec refuses them as too large); its
            // version still names it exactly, so a stale policy can take it over by compare-and-swap.
            var wanted = Math.Min(attributes.Size, SidecarLimits.MaxBytes + 1L);
            while (content.Length < wanted)
            {
                var more = await wire.ReadAsync(handle, (ulong)content.Length, (uint)(wanted - content.Length), cancellationToken).ConfigureAwait(false);
                if (more.Length == 0)
                {
                    break;
                }

                content = [.. content, .. more];
            }

            if (content.Length > SidecarLimits.MaxBytes + 1)
            {
                content = content[..(SidecarLimits.MaxBytes + 1)];
            }

            var modifiedAt = SftpFileVersion.MtimeOf(attributes);
            return new SftpSidecarFile(content, SftpFileVersion.Of(content, Math.Max(attributes.Size, content.Length), modifiedAt), modifiedAt);
        }
        finally
        {
            var closing = wire.CloseAsync(handle, cancellationToken);
            if (guarded)
            {
                _deferredCloses.Add(closing);
            }
            else
            {
                await closing.ConfigureAwait(false);
            }
        }
    }

    /// <summary>Waits for CLOSE requests sent without waiting; a handle lost with its connection is gone anyway.</summary>
    public async Task DrainDeferredClosesAsync()
    {
        foreach (var closing in _deferredCloses)
        {
            try
            {
                await closing.ConfigureAwait(false);
            }
            catch (Exception e) when (SftpWire.IsConnectionFailure(e) || e is SftpException)
            {
            }
        }

        _deferredCloses.Clear();
    }

    /// <summary>Attributes of <paramref name="path"/> (not following a link), or null when it does not exist.</summary>
    public async Task<SftpFileAttributes?> StatAsync(string path)
    {
        if (sessions.BeforeRequestForTest is { } hook)
        {
            await hook("lstat", path).ConfigureAwait(false);
        }

        try
        {
            return await wire.LStatAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (SftpPathNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Plain rename, which OpenSSH refuses when <paramref name="to"/> exists; false when refused or the source is gone.</summary>
    public async Task<bool> TryRenameAsync(string from, string to)
    {
        if (sessions.BeforeRequestForTest is { } hook)
        {
            await hook("rename", to).ConfigureAwait(false);
        }

        try
        {
            await wire.RenameAsync(from, to, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (SftpException e) when (e.StatusCode is StatusCode.Failure or StatusCode.NoSuchFile || (int)e.StatusCode == FileAlreadyExists)
        {
            // FILE_ALREADY_EXISTS (11) is as definite a refusal as OpenSSH's FAILURE; only the probe treats it as suspect.
            return false;
        }
    }

    /// <summary>posix-rename@openssh.com: atomically replaces <paramref name="to"/>.</summary>
    public Task PosixRenameAsync(string from, string to) => wire.PosixRenameAsync(from, to, cancellationToken);

    /// <summary>Removes <paramref name="path"/>; false when it did not exist.</summary>
    public async Task<bool> TryRemoveAsync(string path)
    {
        try
        {
            await wire.RemoveAsync(path, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (SftpPathNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Best-effort cleanup of litter (a temp file); never masks the operation's outcome.</summary>
    public async Task TryRemoveQuietlyAsync(string path)
    {
        try
        {
            await TryRemoveAsync(path).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SshException or System.Net.Sockets.SocketException or ObjectDisposedException or TimeoutException or InvalidOperationException)
        {
        }
    }

    /// <summary>OPEN with CREAT|EXCL; null when the file already exists (SSH_FX_FAILURE: SFTP v3 has no EEXIST).</summary>
    public async Task<byte[]?> TryOpenExclusiveAsync(string path)
    {
        try
        {
            return await wire.OpenAsync(path, SftpWire.OpenFlags.Write | SftpWire.OpenFlags.CreateNew, cancellationToken).ConfigureAwait(false);
        }
        catch (SftpPathNotFoundException e)
        {
            throw MissingDirectory(e);
        }
        catch (SftpException e) when (e.StatusCode == StatusCode.Failure)
        {
            return null;
        }
    }

    /// <summary>CLOSE of a handle this session opened.</summary>
    public Task CloseAsync(byte[] handle) => wire.CloseAsync(handle, cancellationToken);

    /// <summary>
    /// Sends the irreversible request. If the connection dies before the answer, the outcome is settled by
    /// re-reading on a fresh connection: done when the sidecar now carries <paramref name="resolvesTo"/>,
    /// otherwise unknown (<see cref="StoreUnavailableException"/>).
    /// </summary>
    public async Task<bool> CommitAsync(Func<Task<bool>> commit, SidecarVersion? resolvesTo)
    {
        CommitSent = true;
        try
        {
            return await commit().ConfigureAwait(false);
        }
        catch (Exception e) when (SftpWire.IsConnectionFailure(e) && !cancellationToken.IsCancellationRequested)
        {
            if (resolvesTo is not { } expected)
            {
                sessions.Discard(this);
            }
            else
            {
                try
                {
                    var fresh = await ReconnectAsync().ConfigureAwait(false);
                    if ((await fresh.ReadSidecarAsync().ConfigureAwait(false))?.Version == expected)
                    {
                        return true;
                    }
                }
                catch (LockStoreException)
                {
                    // Still unreachable: the outcome stays unknown.
                }
            }

            throw new StoreUnavailableException($"The connection to sftp://{endpoint} failed while writing '{key}'; the write may or may not have happened.", e);
        }
    }

    /// <summary>Makes sure the server clock estimate exists and is recent, probing with an empty temp file if not.</summary>
    public async Task EnsureClockAsync()
    {
        if (clock.SinceLastObservation < ClockRefreshInterval)
        {
            return;
        }

        try
        {
            var probe = await WriteTempAsync(ReadOnlyMemory<byte>.Empty).ConfigureAwait(false);
            await TryRemoveQuietlyAsync(probe.Path).ConfigureAwait(false);
        }
        catch (LockStoreException)
        {
            // A read-only directory: keep the previous estimate (or the local clock).
        }
        catch (SftpException)
        {
        }
    }

    /// <summary>The sidecar's directory does not exist on the server.</summary>
    public StoreLocationNotFoundException MissingDirectory(Exception cause) =>
        new(key, $"directory '{Names.Directory}' does not exist on sftp://{endpoint}", cause);

    private void EnsureRegularFile(SftpFileAttributes attributes)
    {
        if (!attributes.IsRegularFile)
        {
            // Refused, never opened or followed.
            throw new SidecarNotRegularFileException(key, KindOf(attributes));
        }
    }

    private static string KindOf(SftpFileAttributes a) =>
        a.IsDirectory ? "a directory" : a.IsSymbolicLink ? "a symbolic link" : a.IsNamedPipe ? "a FIFO" : a.IsCharacterDevice ? "a character device"
        : a.IsBlockDevice ? "a block device" : a.IsSocket ? "a socket" : "a file of unknown type";
}

/// <summary>A fully written temp file next to the sidecar and the version it will have once renamed onto it.</summary>
/// <param name="Path">The temp file's server path.</param>
/// <param name="Version">The version of its bytes and mtime.</param>
internal readonly record struct SftpTempFile(string Path, SidecarVersion Version);

/// <summary>A sidecar as read through one handle.</summary>
/// <param name="Content">Its bytes (at most <see cref="SidecarLimits.MaxBytes"/> + 1).</param>
/// <param name="Version">Its version.</param>
/// <param name="ModifiedAt">Its server mtime.</param>
internal readonly record struct SftpSidecarFile(byte[] Content, SidecarVersion Version, DateTimeOffset ModifiedAt);
