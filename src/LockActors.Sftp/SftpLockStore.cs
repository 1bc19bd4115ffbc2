using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using Renci.SshNet;
using Renci.SshNet.Common;
using Renci.SshNet.Sftp;

namespace LockActors.Sftp;

/// <summary>
/// The <c>sftp://user@host:port/absolute/path/file</c> store: sidecars on an SFTP server (OpenSSH), over one
/// pooled, host-key-pinned SSH connection per endpoint.
/// </summary>
/// <remarks>
/// <para><b>Create</b>: the JSON is written to a private temp file (<c>OPEN CREAT|EXCL</c>, <c>WRITE</c>,
/// <c>CLOSE</c>), then moved to the sidecar name with a plain <c>SSH_FXP_RENAME</c>. OpenSSH's sftp-server
/// implements that rename as <c>link(2)</c> + <c>unlink(2)</c>, which fails when the sidecar exists: create-if-absent
/// is atomic and readers never see a half-written sidecar. (On a file system without hard links OpenSSH falls
/// back to stat + rename, which is racy; servers that overwrite on plain rename are not safe for this store.)</para>
/// <para><b>Replace / delete</b> (SFTP has no compare-and-swap): the writer first takes a guard, the empty file
/// <c>&lt;sidecar&gt;.cas</c> created with <c>CREAT|EXCL</c> (exactly one writer wins), holds it only for the
/// check-and-write, reads the sidecar and compares its version, then either renames its fully written temp file
/// over the sidecar with <c>posix-rename@openssh.com</c> (atomic overwrite: the sidecar path is never empty, readers
/// see the old or the new bytes) or removes the sidecar, and finally removes the guard. Create needs no guard: it
/// only succeeds while no sidecar exists, and a guarded writer only acts on a sidecar that exists. The naive
/// "rename the sidecar away, check, complete or roll back" is deliberately not used: while the sidecar is away a
/// third process can create a fresh lock, and a roll-back can then not restore it.</para>
/// <para><b>Abandoned guards</b> (a writer crashed or lost its connection mid-operation) are broken once their
/// server mtime is older than <see cref="SftpStoreSettings.GuardStaleAfter"/> + 1 s + the clock estimate's
/// uncertainty. Breakers of one abandoned guard (identified by its mtime M) race to create a break token
/// <c>.&lt;sidecar&gt;.cas.&lt;M&gt;.break</c> with CREAT|EXCL; only the winner re-checks, holding the token, that the
/// guard still has mtime M and removes it. A live writer stops writing, and stops removing its guard, once it has held
/// it for half of <see cref="SftpStoreSettings.GuardStaleAfter"/>, so no one but the token holder touches an abandoned
/// guard and the check-then-remove cannot hit a fresh one.</para>
/// <para><b>Residual risks</b>: (1) a writer whose single SFTP request is delayed in transit by more than half of
/// <see cref="SftpStoreSettings.GuardStaleAfter"/> can still apply its write after its guard was broken; (2) a breaker
/// that crashes while holding a break token leaves it to be removed by name once stale; if two processes remove that
/// stale token concurrently, two may hold it and one may remove a guard re-created in between (a double fault plus a
/// window of about two round trips); (3) server clocks stepped backwards by more than the staleness margin;
/// (4) file systems without hard links, where OpenSSH's plain rename falls back to a racy stat + rename.
/// Only processes following this protocol honour the guard.</para>
/// <para><b>Version</b>: size, server mtime (whole seconds) and a SHA-256 prefix of the bytes, so it changes on
/// every write of different bytes. <b>Clock</b>: the server's; <see cref="SidecarSnapshot.ModifiedAt"/> is the server
/// mtime and <see cref="SidecarSnapshot.StoreNow"/> the server clock estimated from the mtimes of this store's own
/// writes (1 s resolution).</para>
/// <para><b>Refusing unsafe servers</b>: before its first write to a server (host:port) the store runs
/// <see cref="SftpServerProbe"/>: it refuses ProFTPD's mod_sftp by its SSH identification, checks on scratch files
/// that CREAT|EXCL and a plain RENAME refuse an existing file (and a dangling symbolic link) with OpenSSH's
/// SSH_FX_FAILURE, and races one create from 3 separate connections (2 extra SSH logins) for 3 rounds (exactly one winner each). Any other
/// answer is a verdict: <see cref="StoreNotSafeException"/>, cached per server, so an unsafe server is refused on every
/// call without being probed again. Known safe: OpenSSH's sftp-server and internal-sftp (Debian 12's OpenSSH 9.2 is what
/// the tests run against) on a local file system with hard links. Known unsafe: ProFTPD mod_sftp (Debian
/// <c>proftpd-mod-crypto</c> 1.3.8; its RENAME checks, then calls <c>rename(2)</c>: ~1% of 8-connection races had two
/// winners). Other servers are accepted only if they pass the probe, which cannot prove a narrow check-then-rename
/// window absent: verify them before relying on them.</para>
/// <para><b>Special files</b>: a sidecar path that is a directory, symbolic link, FIFO or device is refused with a typed
/// <see cref="LockStoreException"/> after an LSTAT, never opened or followed (opening a FIFO would block the server's
/// sftp process). Temp, guard and break-token names derived from a long sidecar name are shortened with a hash so
/// that any sidecar name that fits the file system (255 bytes) can be locked.</para>
/// <para><b>Oversized sidecars</b> are read as their first <see cref="SidecarLimits.MaxBytes"/> + 1 bytes, with a version
/// computed from the real size, the mtime and the bytes read, so they can be taken over by compare-and-swap.</para>
/// <para><b>Lost races</b>: a refused create (the RENAME onto an existing sidecar) is a definite loss (null), even if the
/// winner has released by the time anyone looks; only a connection lost after the commit was sent is an unknown outcome,
/// settled by re-reading.</para>
/// <para><b>Requests per uncontended operation</b> (sequential round trips in brackets; requests on one file are
/// pipelined, which SFTP servers process in order): create 5 [3] (OPEN; WRITE + FSTAT + CLOSE of the temp; RENAME);
/// replace 12 [7] (temp 4 [2], guard OPEN, guard CLOSE + sidecar OPEN, FSTAT + READ, CLOSE + posix-rename, guard
/// REMOVE, plus an LSTAT before the sidecar is opened); delete 9 [6]; read 5 [4]. Counted by the store (<c>RequestCount</c>) and checked against sftp-server
/// with strace. SSH.NET's public file API would add a REALPATH per path call and an FSTAT per open.</para>
/// </remarks>
public sealed class SftpLockStore : ILockStore, ILockStoreWarmUp
{
    private static readonly TimeSpan ClockRefreshInterval = TimeSpan.FromMinutes(5);

    /// <summary>Separate connections the safety probe races one create from, and how many rounds: exactly one winner each.</summary>
    private const int ProbeRacers = 3;
    private const int ProbeRounds = 3;

    /// <summary>SSH_FX_FILE_ALREADY_EXISTS (SFTP v5+; sent by some servers to v3 clients too).</summary>
    private const int FileAlreadyExists = 11;
    private readonly SftpStoreSettings _settings;
    private readonly TimeProvider _time;
    private readonly SftpConnectionPool _pool;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Host, int Port), SftpServerClock> _clocks = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Host, int Port), Lazy<Task<string?>>> _verdicts = new();
    private long _requests;
    private long _guardsBroken;
    private long _serverProbes;

    /// <summary>Creates the store. No connection is made until the first operation.</summary>
    /// <exception cref="NotSupportedException">The SSH.NET in use lacks the SFTP session requests this store sends (see <c>SftpSessionRequests</c>).</exception>
    public SftpLockStore(SftpStoreSettings? settings = null, TimeProvider? time = null)
    {
        SftpSessionRequests.EnsureAvailable();
        _settings = settings ?? SftpStoreSettings.Default;
        _time = time ?? TimeProvider.System;
        _pool = new SftpConnectionPool(_settings);
    }

    /// <inheritdoc />
    public StoreCapabilities Capabilities { get; } = StoreCapabilities.ServerSide(
        TimeSpan.FromSeconds(1),
        "create = temp file + SSH_FXP_RENAME (OpenSSH link+unlink: fails if the sidecar exists); " +
        "replace/delete = CREAT|EXCL guard <sidecar>.cas + version check + posix-rename@openssh.com / remove");

    /// <summary>SFTP requests sent so far by this store (each is one round trip unless pipelined).</summary>
    internal long RequestCount => Interlocked.Read(ref _requests);

    /// <summary>Abandoned guards this store has broken.</summary>
    internal long GuardsBroken => Interlocked.Read(ref _guardsBroken);

    /// <summary>Safety probes run so far (one per server, see <c>EnsureServerSafeAsync</c>).</summary>
    internal long ServerProbes => Interlocked.Read(ref _serverProbes);

    /// <summary>Test seam: runs before each plain RENAME and LSTAT this store sends (request name, path), so a test can
    /// interleave another process's writes deterministically.</summary>
    internal Func<string, string, Task>? BeforeRequestForTest { get; set; }

    /// <summary>SSH connections established so far.</summary>
    internal int ConnectCount => _pool.ConnectCount;

    /// <summary>The pooled client for a sidecar's endpoint (tests use it to drop the connection).</summary>
    internal Task<SftpClient> ClientForAsync(SidecarKey key, CancellationToken cancellationToken = default) =>
        _pool.GetAsync(EndpointOf(key), cancellationToken);

    /// <inheritdoc />
    /// <remarks>Connects (pooled) and runs the server's safety probe (once per server), so the first create is not slowed by them.</remarks>
    public Task PrepareAsync(SidecarKey key, CancellationToken cancellationToken = default) =>
        RunAsync(key, async op =>
        {
            await op.EnsureServerSafeAsync().ConfigureAwait(false);
            return true;
        }, cancellationToken);

    /// <inheritdoc />
    public Task<SidecarVersion?> TryCreateAsync(SidecarKey key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        SidecarLimits.EnsureWithinLimit(key, content.Length);
        return RunAsync<SidecarVersion?>(key, async op =>
        {
            await op.EnsureServerSafeAsync().ConfigureAwait(false);
            var temp = await op.WriteTempAsync(content).ConfigureAwait(false);
            if (await op.CommitAsync(() => op.TryRenameAsync(temp.Path, op.SidecarPath), temp.Version).ConfigureAwait(false))
            {
                return temp.Version;
            }

            // Refused: on a server that passed the probe that is link(2)'s EEXIST, a definite lost race even if the
            // winner has released by now (a contended sidecar flips between present and absent). Never an outage.
            await op.TryRemoveQuietlyAsync(temp.Path).ConfigureAwait(false);
            return null;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<SidecarSnapshot?> ReadAsync(SidecarKey key, CancellationToken cancellationToken = default) =>
        RunAsync(key, async op =>
        {
            var file = await op.ReadSidecarAsync(guarded: false).ConfigureAwait(false);
            if (file is null)
            {
                return null;
            }

            await op.EnsureClockAsync().ConfigureAwait(false);
            return new SidecarSnapshot(file.Value.Content, file.Value.Version, file.Value.ModifiedAt, op.Clock.Now);
        }, cancellationToken);

    /// <inheritdoc />
    public Task<SidecarVersion?> TryReplaceAsync(SidecarKey key, ReadOnlyMemory<byte> content, SidecarVersion expected, CancellationToken cancellationToken = default)
    {
        SidecarLimits.EnsureWithinLimit(key, content.Length);
        return RunAsync<SidecarVersion?>(key, async op =>
        {
            await op.EnsureServerSafeAsync().ConfigureAwait(false);
            var temp = await op.WriteTempAsync(content).ConfigureAwait(false);
            var consumed = false;
            try
            {
                var guard = await op.AcquireGuardAsync().ConfigureAwait(false);
                try
                {
                    var current = await op.ReadSidecarAsync(guarded: true).ConfigureAwait(false);
                    if (current?.Version != expected)
                    {
                        return null;
                    }

                    guard.EnsureWithinBudget();
                    consumed = await op.CommitAsync(async () =>
                    {
                        await op.PosixRenameAsync(temp.Path, op.SidecarPath).ConfigureAwait(false);
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
                    await op.TryRemoveQuietlyAsync(temp.Path).ConfigureAwait(false);
                }
            }
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> TryDeleteAsync(SidecarKey key, SidecarVersion expected, CancellationToken cancellationToken = default) =>
        RunAsync(key, async op =>
        {
            Guard guard;
            try
            {
                guard = await op.AcquireGuardAsync().ConfigureAwait(false);
            }
            catch (StoreLocationNotFoundException)
            {
                return false; // no directory, so no sidecar to delete
            }

            try
            {
                var current = await op.ReadSidecarAsync(guarded: true).ConfigureAwait(false);
                if (current?.Version != expected)
                {
                    return false;
                }

                guard.EnsureWithinBudget();
                return await op.CommitAsync(() => op.TryRemoveAsync(op.SidecarPath), resolvesTo: null).ConfigureAwait(false);
            }
            finally
            {
                await guard.ReleaseAsync().ConfigureAwait(false);
            }
        }, cancellationToken);

    /// <summary>Closes every pooled connection.</summary>
    public ValueTask DisposeAsync() => _pool.DisposeAsync();

    private SftpEndpoint EndpointOf(SidecarKey key)
    {
        var uri = key.Target.Uri;
        if (!string.Equals(uri.Scheme, "sftp", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidLockTargetException(key.Target.Normalized, "the SFTP store only serves sftp:// targets");
        }

        var userInfo = Uri.UnescapeDataString(uri.UserInfo);
        if (userInfo.Contains(':', StringComparison.Ordinal))
        {
            throw new InvalidLockTargetException(key.Target.Normalized, "passwords do not belong in lock URIs; configure them in lock-actors.stores.sftp");
        }

        var user = userInfo.Length > 0 ? userInfo : _settings.Credentials.Username;
        if (string.IsNullOrEmpty(user))
        {
            throw new InvalidLockTargetException(key.Target.Normalized, "no user: write sftp://user@host/path or configure a username");
        }

        if (_settings.Root is { Length: > 0 } root && !key.Path.StartsWith(root.TrimEnd('/') + "/", StringComparison.Ordinal))
        {
            throw new InvalidLockTargetException(key.Target.Normalized, $"it is outside the configured SFTP store root '{root}'");
        }

        return new SftpEndpoint(uri.DnsSafeHost, uri.Port > 0 ? uri.Port : 22, user);
    }

    private async Task<T> RunAsync<T>(SidecarKey key, Func<Operation, Task<T>> body, CancellationToken cancellationToken)
    {
        var endpoint = EndpointOf(key);
        for (var attempt = 1; ; attempt++)
        {
            var client = await _pool.GetAsync(endpoint, cancellationToken).ConfigureAwait(false);
            var op = new Operation(this, endpoint, client, key, cancellationToken);
            try
            {
                return await body(op).ConfigureAwait(false);
            }
            catch (Exception e) when (IsConnectionFailure(e) && !cancellationToken.IsCancellationRequested)
            {
                _pool.Invalidate(endpoint, client);
                if (attempt == 1 && !op.CommitSent)
                {
                    continue; // nothing irreversible was sent: retry once on a fresh connection
                }

                throw new StoreUnavailableException($"The connection to sftp://{endpoint} failed during an operation on '{key}': {e.Message}", e);
            }
            catch (SftpPermissionDeniedException e)
            {
                throw new StoreAccessDeniedException($"sftp://{endpoint} denied access for '{key}': {e.Message}", e);
            }
            catch (SftpException e)
            {
                throw new StoreUnavailableException($"sftp://{endpoint} failed an operation on '{key}': {e.StatusCode} {e.Message}", e);
            }
            catch (Exception e) when (e is SshException or InvalidOperationException or FormatException or OverflowException or ArgumentException or IndexOutOfRangeException or NotSupportedException
                                      && e is not LockStoreException && e is not ObjectDisposedException)
            {
                // A malformed or hostile reply that SSH.NET could not parse: a typed outage, never an untyped crash.
                throw new StoreUnavailableException($"sftp://{endpoint} sent an unusable reply during an operation on '{key}': {e.GetType().Name}: {e.Message}", e);
            }
        }
    }

    private static bool IsConnectionFailure(Exception e) => e switch
    {
        SshConnectionException or SshOperationTimeoutException or SocketException or ObjectDisposedException or TimeoutException => true,
        SftpException { StatusCode: StatusCode.NoConnection or StatusCode.ConnectionLost } => true,
        SshException { InnerException: SocketException } => true,
        IOException { InnerException: SocketException } => true,
        _ => false,
    };

    /// <summary>
    /// Size, server mtime and a SHA-256 prefix of the bytes read. For an oversized sidecar only its first
    /// <see cref="SidecarLimits.MaxBytes"/> + 1 bytes are read and hashed, by every reader alike, so a compare-and-swap
    /// check (which re-reads the same way) still recognises it.
    /// </summary>
    private static SidecarVersion VersionOf(ReadOnlySpan<byte> content, long size, DateTimeOffset modifiedAt)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(content, hash);
        return new SidecarVersion(string.Create(CultureInfo.InvariantCulture,
            $"{size:x}.{modifiedAt.ToUnixTimeSeconds():x}.{Convert.ToHexStringLower(hash[..8])}"));
    }

    private static string KindOf(SftpFileAttributes a) =>
        a.IsDirectory ? "a directory" : a.IsSymbolicLink ? "a symbolic link" : a.IsNamedPipe ? "a FIFO" : a.IsCharacterDevice ? "a character device"
        : a.IsBlockDevice ? "a block device" : a.IsSocket ? "a socket" : "a file of unknown type";

    /// <summary>The sidecar path names something other than a regular file: refused, never opened or followed.</summary>
    private static SidecarNotRegularFileException NotRegularFile(SidecarKey key, string kind) => new(key, kind);

    /// <summary>
    /// The name <c>prefix + baseName + suffix</c> in the sidecar's directory, shortened when it would exceed the 255-byte
    /// file-name limit: the base name is cut and a hash of it keeps the result unique and the same for every writer, so a
    /// sidecar name that fits the file system never fails because of a temp or guard name derived from it.
    /// </summary>
    internal static string SiblingName(string baseName, string suffix, string prefix = "")
    {
        const int NameMax = 255;
        var full = prefix + baseName + suffix;
        if (System.Text.Encoding.UTF8.GetByteCount(full) <= NameMax)
        {
            return full;
        }

        var tag = "~" + Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(baseName)))[..16];
        var budget = NameMax - System.Text.Encoding.UTF8.GetByteCount(prefix + tag + suffix);
        var kept = new System.Text.StringBuilder();
        var used = 0;
        foreach (var rune in baseName.EnumerateRunes())
        {
            if (used + rune.Utf8SequenceLength > budget)
            {
                break;
            }

            kept.Append(rune.ToString());
            used += rune.Utf8SequenceLength;
        }

        return prefix + kept + tag + suffix;
    }

    private static DateTimeOffset MtimeOf(SftpFileAttributes attributes) =>
        new(DateTime.SpecifyKind(attributes.LastWriteTimeUtc, DateTimeKind.Utc));

    private readonly record struct TempFile(string Path, SidecarVersion Version);

    private readonly record struct SidecarFile(byte[] Content, SidecarVersion Version, DateTimeOffset ModifiedAt);

    /// <summary>One store operation on one connection: the SFTP requests it sends and their error mapping.</summary>
    private sealed class Operation(SftpLockStore store, SftpEndpoint endpoint, SftpClient client, SidecarKey key, CancellationToken cancellationToken)
    {
        private readonly string _directory = DirectoryOf(key.Path);
        private readonly List<Task> _deferredCloses = [];

        public SftpLockStore Store => store;

        public SidecarKey SidecarKey => key;

        /// <summary>The clock estimate of this operation's server (servers' clocks differ; users do not matter).</summary>
        public SftpServerClock Clock { get; } = store._clocks.GetOrAdd((endpoint.Host, endpoint.Port), _ => new SftpServerClock(store._time));

        public SftpEndpoint Endpoint => endpoint;

        public SftpClient Client => client;

        public CancellationToken Token => cancellationToken;

        public string SidecarPath => key.Path;

        public string GuardPath => $"{_directory}/{SiblingName(FileNameOf(key.Path), ".cas")}";

        /// <summary>True once a request whose outcome cannot be undone (the commit) was sent.</summary>
        public bool CommitSent { get; private set; }

        /// <summary>Writes <paramref name="content"/> to a fresh temp file next to the sidecar; learns the server clock from it.</summary>
        public async Task<TempFile> WriteTempAsync(ReadOnlyMemory<byte> content)
        {
            var path = $"{_directory}/{SiblingName(FileNameOf(key.Path), $".{Guid.NewGuid().ToString("N")[..12]}.tmp", ".")}";
            var before = store._time.GetUtcNow();
            var handle = await TryOpenExclusiveAsync(path).ConfigureAwait(false)
                ?? throw new StoreUnavailableException($"A fresh temp file '{path}' already exists on sftp://{endpoint}.");

            // WRITE, FSTAT and CLOSE on one handle travel together: an SFTP server processes requests on the same
            // file in order, so FSTAT sees the mtime the WRITE set.
            var writing = content.Length > 0 ? Send(SftpSessionRequests.WriteAsync(client, handle, content.ToArray(), cancellationToken)) : Task.CompletedTask;
            var stat = Send(SftpSessionRequests.FStatAsync(client, handle, cancellationToken));
            var closing = Send(SftpSessionRequests.CloseAsync(client, handle, cancellationToken));
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

            var after = store._time.GetUtcNow();
            var modifiedAt = MtimeOf(attributes);
            Clock.Observe(modifiedAt, before, after);
            return new TempFile(path, VersionOf(content.Span, content.Length, modifiedAt));
        }

        /// <summary>
        /// Reads the sidecar through one handle: OPEN, then FSTAT and READ pipelined, so bytes, size and mtime come
        /// from the same file even while other writers rename new sidecars over the path. Null when absent.
        /// Under the guard the CLOSE is not waited for (it overlaps the commit).
        /// </summary>
        public async Task<SidecarFile?> ReadSidecarAsync(bool guarded)
        {
            // LSTAT first: opening a FIFO would block the server's sftp process (and this connection) until a writer
            // appears, and opening a symbolic link or device would read something that is not this sidecar.
            if (await StatAsync(key.Path).ConfigureAwait(false) is not { } entry)
            {
                return null;
            }

            EnsureRegularFile(entry);
            byte[] handle;
            try
            {
                handle = await Send(SftpSessionRequests.OpenAsync(client, key.Path, SftpSessionRequests.OpenFlags.Read, cancellationToken)).ConfigureAwait(false);
            }
            catch (SftpPathNotFoundException)
            {
                return null;
            }

            try
            {
                var stat = Send(SftpSessionRequests.FStatAsync(client, handle, cancellationToken));
                var first = Send(SftpSessionRequests.ReadAsync(client, handle, 0, SidecarLimits.MaxBytes + 1, cancellationToken));
                await Task.WhenAll(stat, first).ConfigureAwait(false);
                var attributes = await stat.ConfigureAwait(false);
                EnsureRegularFile(attributes); // replaced by something else between LSTAT and OPEN
                var content = await first.ConfigureAwait(false);

                // An oversized sidecar is read as its first MaxBytes + 1 bytes (the codec refuses them as too large); its
                // version still names it exactly, so a stale policy can take it over by compare-and-swap.
                var wanted = Math.Min(attributes.Size, SidecarLimits.MaxBytes + 1L);
                while (content.Length < wanted)
                {
                    var more = await Send(SftpSessionRequests.ReadAsync(client, handle, (ulong)content.Length, (uint)(wanted - content.Length), cancellationToken)).ConfigureAwait(false);
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

                var modifiedAt = MtimeOf(attributes);
                return new SidecarFile(content, VersionOf(content, Math.Max(attributes.Size, content.Length), modifiedAt), modifiedAt);
            }
            finally
            {
                var closing = Send(SftpSessionRequests.CloseAsync(client, handle, cancellationToken));
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

        private void EnsureRegularFile(SftpFileAttributes attributes)
        {
            if (!attributes.IsRegularFile)
            {
                throw NotRegularFile(key, KindOf(attributes));
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
                catch (Exception e) when (IsConnectionFailure(e) || e is SftpException)
                {
                }
            }

            _deferredCloses.Clear();
        }

        /// <summary>Attributes of <paramref name="path"/>, or null when it does not exist.</summary>
        public async Task<SftpFileAttributes?> StatAsync(string path)
        {
            if (store.BeforeRequestForTest is { } hook)
            {
                await hook("lstat", path).ConfigureAwait(false);
            }

            try
            {
                return await Send(SftpSessionRequests.LStatAsync(client, path, cancellationToken)).ConfigureAwait(false);
            }
            catch (SftpPathNotFoundException)
            {
                return null;
            }
        }

        /// <summary>Plain rename, which OpenSSH refuses when <paramref name="to"/> exists; false when refused or the source is gone.</summary>
        public async Task<bool> TryRenameAsync(string from, string to)
        {
            if (store.BeforeRequestForTest is { } hook)
            {
                await hook("rename", to).ConfigureAwait(false);
            }

            try
            {
                await Send(SftpSessionRequests.RenameAsync(client, from, to, cancellationToken)).ConfigureAwait(false);
                return true;
            }
            catch (SftpException e) when (e.StatusCode is StatusCode.Failure or StatusCode.NoSuchFile || (int)e.StatusCode == FileAlreadyExists)
            {
                // FILE_ALREADY_EXISTS (11) is as definite a refusal as OpenSSH's FAILURE; only the probe treats it as suspect.
                return false;
            }
        }

        /// <summary>posix-rename@openssh.com: atomically replaces <paramref name="to"/>. SSH.NET only offers it synchronously.</summary>
        public Task PosixRenameAsync(string from, string to)
        {
            Count();
            return SftpSessionRequests.PosixRenameAsync(client, from, to, cancellationToken);
        }

        /// <summary>Removes <paramref name="path"/>; false when it did not exist.</summary>
        public async Task<bool> TryRemoveAsync(string path)
        {
            try
            {
                await Send(SftpSessionRequests.RemoveAsync(client, path, cancellationToken)).ConfigureAwait(false);
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
            catch (Exception e) when (e is SshException or SocketException or ObjectDisposedException or TimeoutException or InvalidOperationException)
            {
            }
        }

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
            catch (Exception e) when (IsConnectionFailure(e) && !cancellationToken.IsCancellationRequested)
            {
                store._pool.Invalidate(endpoint, client);
                if (resolvesTo is { } expected)
                {
                    try
                    {
                        var fresh = await store._pool.GetAsync(endpoint, cancellationToken).ConfigureAwait(false);
                        var reread = await new Operation(store, endpoint, fresh, key, cancellationToken).ReadSidecarAsync(guarded: false).ConfigureAwait(false);
                        if (reread?.Version == expected)
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

        /// <summary>
        /// Once per server (host:port), before its first write: <see cref="SftpServerProbe"/> decides whether the server
        /// gives atomic create-if-absent. The verdict is cached either way, so an unsafe server is refused with
        /// <see cref="StoreNotSafeException"/> on every call without being probed again; a probe cut short by a lost
        /// connection or a missing directory is no verdict and runs again next time.
        /// </summary>
        public async Task EnsureServerSafeAsync()
        {
            var server = (endpoint.Host, endpoint.Port);
            var verdict = store._verdicts.GetOrAdd(server, _ => new Lazy<Task<string?>>(ProbeAsync));
            string? flaw;
            try
            {
                flaw = await verdict.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (verdict.Value.IsFaulted || verdict.Value.IsCanceled)
            {
                store._verdicts.TryRemove(new KeyValuePair<(string, int), Lazy<Task<string?>>>(server, verdict));
                throw;
            }

            if (flaw is not null)
            {
                throw new StoreNotSafeException(
                    $"sftp://{endpoint.Host}:{endpoint.Port} {flaw}, so two processes could both create the same lock. " +
                    "The sftp:// store needs OpenSSH's sftp-server (or internal-sftp) on a file system with hard links.");
            }
        }

        private async Task<string?> ProbeAsync()
        {
            Interlocked.Increment(ref store._serverProbes);
            // Shared by every caller waiting on this server, so it must not inherit one caller's cancellation.
            using var timeout = new CancellationTokenSource(store._settings.ConnectTimeout + store._settings.OperationTimeout * 4);
            var stem = $"{_directory}/.lockactors-probe-{Guid.NewGuid().ToString("N")[..12]}";
            var probe = new SftpServerProbe(
                client, ct => store._pool.OpenUnpooledAsync(endpoint, ct), _directory, stem, $"sftp://{endpoint.Host}:{endpoint.Port}",
                ProbeRacers, ProbeRounds);
            try
            {
                return await probe.RunAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (SftpPathNotFoundException e)
            {
                throw new StoreLocationNotFoundException(key, $"directory '{_directory}' does not exist on sftp://{endpoint}", e);
            }
            catch (OperationCanceledException e) when (timeout.IsCancellationRequested)
            {
                throw new StoreUnavailableException($"The safety probe of sftp://{endpoint.Host}:{endpoint.Port} did not finish in time; it runs again on the next write.", e);
            }
        }

        /// <summary>Takes the guard <c>&lt;sidecar&gt;.cas</c>, breaking it when abandoned, within the check-and-write timeout.</summary>
        public async Task<Guard> AcquireGuardAsync()
        {
            var waitStart = store._time.GetTimestamp();
            var delay = 1;
            while (true)
            {
                var started = store._time.GetTimestamp();
                if (await TryOpenExclusiveAsync(GuardPath).ConfigureAwait(false) is not { } guard)
                {
                    if (await StatAsync(GuardPath).ConfigureAwait(false) is { } held && await IsAbandonedAsync(held).ConfigureAwait(false))
                    {
                        await TryBreakGuardAsync(held).ConfigureAwait(false);
                        continue;
                    }

                    if (store._time.GetElapsedTime(waitStart) > store._settings.CheckAndWriteTimeout)
                    {
                        throw new StoreUnavailableException(
                            $"Another writer held the guard '{GuardPath}' for more than {store._settings.CheckAndWriteTimeout.TotalSeconds:0.#} s.");
                    }

                    await Task.Delay(delay + Random.Shared.Next(delay), cancellationToken).ConfigureAwait(false);
                    delay = Math.Min(delay * 2, 50);
                    continue;
                }

                var closing = Send(SftpSessionRequests.CloseAsync(client, guard, cancellationToken)); // overlaps the sidecar read
                return new Guard(this, started, closing);
            }
        }

        /// <summary>Makes sure the server clock estimate exists and is recent, probing with an empty temp file if not.</summary>
        public async Task EnsureClockAsync()
        {
            if (Clock.SinceLastObservation < ClockRefreshInterval)
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

        private async Task<bool> IsAbandonedAsync(SftpFileAttributes guard)
        {
            await EnsureClockAsync().ConfigureAwait(false);
            var age = Clock.Now - MtimeOf(guard);
            return age > store._settings.GuardStaleAfter + TimeSpan.FromSeconds(1) + Clock.Uncertainty;
        }

        /// <summary>
        /// Breaks the abandoned guard that was judged stale with mtime M. Its breakers first race to create the token
        /// <c>.&lt;sidecar&gt;.cas.&lt;M&gt;.break</c> with CREAT|EXCL; only the winner re-checks, holding the token, that
        /// the guard still has mtime M, and removes it. Nobody else removes a guard once it is abandoned (its owner is
        /// past its budget, other breakers lack the token, creators only act when it is absent), so this
        /// check-then-remove cannot hit a fresh guard. Renaming the guard away first would not do: a breaker acting on
        /// an old observation could take a live guard and fail to put it back.
        /// </summary>
        private async Task TryBreakGuardAsync(SftpFileAttributes judged)
        {
            var mtime = MtimeOf(judged);
            var token = $"{_directory}/{SiblingName(FileNameOf(GuardPath), $".{mtime.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}.break", ".")}";
            var started = store._time.GetTimestamp();
            if (await TryOpenExclusiveAsync(token).ConfigureAwait(false) is not { } tokenHandle)
            {
                // Another breaker is on it; a token left by a breaker that crashed is abandoned after the same time.
                if (await StatAsync(token).ConfigureAwait(false) is { } held && await IsAbandonedAsync(held).ConfigureAwait(false))
                {
                    await TryRemoveAsync(token).ConfigureAwait(false);
                }

                return;
            }

            await Send(SftpSessionRequests.CloseAsync(client, tokenHandle, cancellationToken)).ConfigureAwait(false);
            var withinBudget = true;
            try
            {
                var current = await StatAsync(GuardPath).ConfigureAwait(false);
                withinBudget = store._time.GetElapsedTime(started) <= store._settings.GuardHoldBudget;
                if (current is not null && MtimeOf(current) == mtime && withinBudget && await TryRemoveAsync(GuardPath).ConfigureAwait(false))
                {
                    Interlocked.Increment(ref store._guardsBroken);
                }
            }
            finally
            {
                if (withinBudget && store._time.GetElapsedTime(started) <= store._settings.GuardHoldBudget)
                {
                    await TryRemoveAsync(token).ConfigureAwait(false);
                }
            }
        }

        /// <summary>OPEN with CREAT|EXCL; null when the file already exists (SSH_FX_FAILURE: SFTP v3 has no EEXIST).</summary>
        private async Task<byte[]?> TryOpenExclusiveAsync(string path)
        {
            try
            {
                return await Send(SftpSessionRequests.OpenAsync(client, path, SftpSessionRequests.OpenFlags.Write | SftpSessionRequests.OpenFlags.CreateNew, cancellationToken)).ConfigureAwait(false);
            }
            catch (SftpPathNotFoundException e)
            {
                throw new StoreLocationNotFoundException(key, $"directory '{_directory}' does not exist on sftp://{endpoint}", e);
            }
            catch (SftpException e) when (e.StatusCode == StatusCode.Failure)
            {
                return null;
            }
        }

        private async Task CloseQuietlyAsync(byte[] handle)
        {
            try
            {
                await Send(SftpSessionRequests.CloseAsync(client, handle, cancellationToken)).ConfigureAwait(false);
            }
            catch (Exception e) when (IsConnectionFailure(e) || e is SftpException)
            {
            }
        }

        private Task<T> Send<T>(Task<T> request)
        {
            Count();
            return request;
        }

        private Task Send(Task request)
        {
            Count();
            return request;
        }

        private void Count() => Interlocked.Increment(ref store._requests);

        private static string DirectoryOf(string path)
        {
            var slash = path.LastIndexOf('/');
            return slash <= 0 ? string.Empty : path[..slash];
        }

        private static string FileNameOf(string path) => path[(path.LastIndexOf('/') + 1)..];
    }

    /// <summary>A held guard: enforces the hold budget and removes the guard only while it cannot have been broken.</summary>
    private sealed class Guard(Operation op, long acquiredAt, Task closing)
    {
        private TimeSpan Held => op.Store._time.GetElapsedTime(acquiredAt);

        /// <summary>Throws (nothing written) when the guard has been held so long that it might be broken soon.</summary>
        public void EnsureWithinBudget()
        {
            if (Held > op.Store._settings.GuardHoldBudget)
            {
                throw new StoreUnavailableException(
                    $"The check-and-write on '{op.SidecarPath}' took {Held.TotalSeconds:0.#} s, longer than its {op.Store._settings.GuardHoldBudget.TotalSeconds:0.#} s budget; nothing was written.");
            }
        }

        public async Task ReleaseAsync()
        {
            await op.DrainDeferredClosesAsync().ConfigureAwait(false);
            try
            {
                await closing.ConfigureAwait(false);
            }
            catch (Exception e) when (e is SshException or SocketException or ObjectDisposedException or TimeoutException)
            {
                // The handle dies with the connection; the guard file itself is what matters.
            }

            if (Held > op.Store._settings.GuardHoldBudget)
            {
                return; // it may already be broken and re-taken: leave it for the breakers
            }

            try
            {
                await op.TryRemoveAsync(op.GuardPath).ConfigureAwait(false);
            }
            catch (Exception e) when (IsConnectionFailure(e) && !op.Token.IsCancellationRequested)
            {
                // Connection lost mid-operation: free the guard over a fresh connection while that is still safe.
                op.Store._pool.Invalidate(op.Endpoint, op.Client);
                try
                {
                    var fresh = await op.Store._pool.GetAsync(op.Endpoint, op.Token).ConfigureAwait(false);
                    if (Held <= op.Store._settings.GuardHoldBudget)
                    {
                        await new Operation(op.Store, op.Endpoint, fresh, op.SidecarKey, op.Token).TryRemoveQuietlyAsync(op.GuardPath).ConfigureAwait(false);
                    }
                }
                catch (LockStoreException)
                {
                    // Unreachable: the guard becomes abandoned and is broken after GuardStaleAfter.
                }
            }
        }
    }
}
