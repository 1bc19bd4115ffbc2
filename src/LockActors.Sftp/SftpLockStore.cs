using System.Runtime.CompilerServices;
using LockActors.Storage.Backends;

namespace LockActors.Sftp;

/// <summary>
/// The <c>sftp://user@host:port/absolute/path/file</c> store: sidecars on an SFTP server (OpenSSH), over pooled,
/// host-key-pinned SSH connections (<see cref="SftpStoreSettings.ConnectionsPerServer"/> per endpoint, one by default).
/// </summary>
/// <remarks>
/// <para><b>Create</b> writes a private temp file and moves it onto the sidecar with a plain <c>SSH_FXP_RENAME</c>,
/// which OpenSSH implements as <c>link(2)</c> + <c>unlink(2)</c>: it fails when the sidecar exists, so
/// create-if-absent is atomic. <b>Replace / delete</b> hold the guard file <c>&lt;sidecar&gt;.cas</c> (created with
/// CREAT|EXCL) for their version check and their <c>posix-rename@openssh.com</c> or remove; a guard abandoned by a
/// crashed writer is broken after <see cref="SftpStoreSettings.GuardStaleAfter"/>. Requests that do not wait for each
/// other's answers are pipelined; on OpenSSH, which handles requests in order, a guarded read uses the LSTAT sent with
/// the guard's OPEN and a delete's guard REMOVE travels with the sidecar's (see <see cref="SftpWire.ProcessesInOrder"/>). Versions are size, server mtime and
/// a hash of the bytes; the clock is the server's, estimated from this store's own writes (1 s resolution).</para>
/// <para>Before its first write to a server the store probes it and refuses servers without atomic create-if-absent
/// (ProFTPD's mod_sftp among them) with <see cref="StoreNotSafeException"/>.</para>
/// <para>Guarantees, residual risks (a request delayed past half the guard staleness, a crashed guard breaker plus a
/// concurrent one, server clocks stepped back, file systems without hard links) and request costs are described in
/// the package README (<c>src/LockActors.Sftp/README.md</c>).</para>
/// </remarks>
public sealed class SftpLockStore : ILockStore, ILockStoreWarmUp, ILockStoreListing
{
    private readonly SftpStoreSettings _settings;
    private readonly SftpConnectionPool _pool;
    private readonly SftpSessions _sessions;
    private readonly SftpCasGuard _guard;
    private readonly SftpServerSafety _safety;

    /// <summary>Creates the store. No connection is made until the first operation.</summary>
    /// <exception cref="NotSupportedException">The SSH.NET in use lacks the SFTP session requests this store sends (see <c>SftpWire</c>).</exception>
    public SftpLockStore(SftpStoreSettings? settings = null, TimeProvider? time = null)
    {
        SftpWire.EnsureAvailable();
        _settings = settings ?? SftpStoreSettings.Default;
        time ??= TimeProvider.System;
        _pool = new SftpConnectionPool(_settings);
        _sessions = new SftpSessions(_settings, time, _pool, Requests, RoundTrips);
        _guard = new SftpCasGuard(_settings, time);
        _safety = new SftpServerSafety(_settings, _pool);
    }

    /// <inheritdoc />
    public StoreCapabilities Capabilities { get; } = StoreCapabilities.ServerSide(
        TimeSpan.FromSeconds(1),
        "create = temp file + SSH_FXP_RENAME (OpenSSH link+unlink: fails if the sidecar exists); " +
        "replace/delete = CREAT|EXCL guard <sidecar>.cas + version check + posix-rename@openssh.com / remove");

    /// <summary>SFTP requests sent so far by this store (each is one round trip unless pipelined).</summary>
    internal StoreRequestCounter Requests { get; } = new();

    /// <summary>Sequential round trips of this store's operations (requests sent together share one).</summary>
    internal SftpRoundTrips RoundTrips { get; } = new();

    /// <summary>Abandoned guards this store has broken.</summary>
    internal long GuardsBroken => _guard.Broken;

    /// <summary>Safety probes run so far (one per server, see <see cref="SftpServerSafety"/>).</summary>
    internal long ServerProbes => _safety.Probes;

    /// <summary>Test seam: runs before each plain RENAME and LSTAT this store sends (request name, path), so a test can
    /// interleave another process's writes deterministically.</summary>
    internal Func<string, string, Task>? BeforeRequestForTest
    {
        get => _sessions.BeforeRequestForTest;
        set => _sessions.BeforeRequestForTest = value;
    }

    /// <summary>SSH connections established so far.</summary>
    internal int ConnectCount => _pool.ConnectCount;

    /// <summary>The pooled client for a sidecar's endpoint (tests use it to drop the connection).</summary>
    internal Task<Renci.SshNet.SftpClient> ClientForAsync(SidecarKey key, CancellationToken cancellationToken = default) =>
        _pool.GetAsync(SftpEndpoint.Of(key, _settings), cancellationToken);

    /// <inheritdoc />
    /// <remarks>Connects (pooled) and runs the server's safety probe (once per server), so the first create is not slowed by them.</remarks>
    public Task PrepareAsync(SidecarKey key, CancellationToken cancellationToken = default) =>
        _sessions.RunAsync(key, async session =>
        {
            await _safety.EnsureSafeAsync(session).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    /// <inheritdoc />
    public Task<SidecarVersion?> TryCreateAsync(SidecarKey key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        SidecarLimits.EnsureWithinLimit(key, content.Length);
        return _sessions.RunAsync<SidecarVersion?>(key, async session =>
        {
            await _safety.EnsureSafeAsync(session).ConfigureAwait(false);
            var temp = await session.WriteTempAsync(content).ConfigureAwait(false);
            if (await session.CommitAsync(() => session.TryRenameAsync(temp.Path, session.Names.Sidecar), temp.Version).ConfigureAwait(false))
            {
                return temp.Version;
            }

            // Refused: on a server that passed the probe that is link(2)'s EEXIST, a definite lost race even if the
            // winner has released by now (a contended sidecar flips between present and absent). Never an outage.
            await session.TryRemoveQuietlyAsync(temp.Path).ConfigureAwait(false);
            return null;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<SidecarSnapshot?> ReadAsync(SidecarKey key, CancellationToken cancellationToken = default) =>
        _sessions.RunAsync(key, async session =>
        {
            if (await session.ReadSidecarAsync().ConfigureAwait(false) is not { } file)
            {
                return null;
            }

            await session.EnsureClockAsync().ConfigureAwait(false);
            return new SidecarSnapshot(file.Content, file.Version, file.ModifiedAt, session.Clock.Now);
        }, cancellationToken);

    /// <inheritdoc />
    public Task<SidecarVersion?> TryReplaceAsync(SidecarKey key, ReadOnlyMemory<byte> content, SidecarVersion expected, CancellationToken cancellationToken = default)
    {
        SidecarLimits.EnsureWithinLimit(key, content.Length);
        return _sessions.RunAsync<SidecarVersion?>(key, async session =>
        {
            await _safety.EnsureSafeAsync(session).ConfigureAwait(false);

            // The temp file is written while the guard is taken: their OPENs travel together, and so do the temp's
            // WRITE + FSTAT + CLOSE and the sidecar's OPEN.
            var writing = session.WriteTempAsync(content);
            var acquiring = _guard.AcquireAsync(session);
            try
            {
                await Task.WhenAll(writing, acquiring).ConfigureAwait(false);
            }
            catch (Exception) when (acquiring.IsCompletedSuccessfully || writing.IsCompletedSuccessfully)
            {
                if (acquiring.IsCompletedSuccessfully)
                {
                    await acquiring.Result.ReleaseAsync().ConfigureAwait(false);
                }

                if (writing.IsCompletedSuccessfully)
                {
                    await session.TryRemoveQuietlyAsync(writing.Result.Path).ConfigureAwait(false);
                }

                throw;
            }

            var temp = await writing.ConfigureAwait(false);
            var consumed = false;
            try
            {
                var guard = await acquiring.ConfigureAwait(false);
                try
                {
                    if ((await session.ReadSidecarAsync(guard).ConfigureAwait(false))?.Version != expected)
                    {
                        return null;
                    }

                    guard.EnsureWithinBudget();
                    consumed = await session.CommitAsync(async () =>
                    {
                        await session.PosixRenameAsync(temp.Path, session.Names.Sidecar).ConfigureAwait(false);
                        return true;
                    }, temp.Version).ConfigureAwait(false);
                    return temp.Version;
                }
                finally
                {
                    await guard.ReleaseAsync().ConfigureAwait(false);
                }
            }
            finally
            {
                if (!consumed)
                {
                    await session.TryRemoveQuietlyAsync(temp.Path).ConfigureAwait(false);
                }
            }
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> TryDeleteAsync(SidecarKey key, SidecarVersion expected, CancellationToken cancellationToken = default) =>
        _sessions.RunAsync(key, async session =>
        {
            SftpHeldGuard guard;
            try
            {
                guard = await _guard.AcquireAsync(session).ConfigureAwait(false);
            }
            catch (StoreLocationNotFoundException)
            {
                return false; // no directory, so no sidecar to delete
            }

            Task? released = null;
            try
            {
                if ((await session.ReadSidecarAsync(guard).ConfigureAwait(false))?.Version != expected)
                {
                    return false;
                }

                guard.EnsureWithinBudget();
                var removing = session.CommitAsync(() => session.TryRemoveAsync(session.Names.Sidecar), resolvesTo: null);
                if (session.Wire.ProcessesInOrder)
                {
                    released = guard.ReleaseAsync(); // its REMOVE is handled after the sidecar's: one round trip for both
                }

                return await removing.ConfigureAwait(false);
            }
            finally
            {
                await (released ?? guard.ReleaseAsync()).ConfigureAwait(false);
            }
        }, cancellationToken);

    /// <inheritdoc />
    /// <remarks>Walks the prefix's folder and the subfolders that can hold matches, one READDIR exchange per folder,
    /// on the pooled connection; symbolic links and special files are skipped, never followed.</remarks>
    public async IAsyncEnumerable<SidecarKey> ListSidecarsAsync(LockPrefix prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        prefix.RequireScheme("sftp", "the SFTP store");

        var found = await _sessions.RunAsync(prefix.Anchor, session => SftpListing.SidecarsAsync(session.Wire.Client, prefix, session.Token), cancellationToken)
            .ConfigureAwait(false);
        foreach (var key in found)
        {
            yield return key;
        }
    }

    /// <summary>Closes every pooled connection.</summary>
    public ValueTask DisposeAsync() => _pool.DisposeAsync();
}
