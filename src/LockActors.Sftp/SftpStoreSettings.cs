using System.Collections.Immutable;

namespace LockActors.Sftp;

/// <summary>
/// Immutable settings of the <c>sftp://</c> store (HOCON <c>lock-actors.stores.sftp</c>). Start from
/// <see cref="Default"/> and change them with the <c>With*</c> methods, each of which returns a validated copy.
/// </summary>
/// <remarks>
/// Host keys are pinned by default: a connection is only made to a server whose host key has one of the
/// <see cref="HostKeySha256"/> fingerprints; anything else fails with <see cref="StoreAccessDeniedException"/>
/// before credentials are sent. <see cref="AcceptAnyHostKeyInsecure"/> switches that off (tests only).
/// </remarks>
public sealed class SftpStoreSettings
{
    private const string Section = "lock-actors.stores.sftp";
    private const int MaxConnectionsPerServer = 64;

    private SftpStoreSettings()
    {
    }

    private SftpStoreSettings(SftpStoreSettings other)
    {
        Credentials = other.Credentials;
        HostKeySha256 = other.HostKeySha256;
        AcceptAnyHostKeyInsecure = other.AcceptAnyHostKeyInsecure;
        ConnectTimeout = other.ConnectTimeout;
        OperationTimeout = other.OperationTimeout;
        KeepAliveInterval = other.KeepAliveInterval;
        GuardStaleAfter = other.GuardStaleAfter;
        CheckAndWriteTimeout = other.CheckAndWriteTimeout;
        Root = other.Root;
        ConnectionsPerServer = other.ConnectionsPerServer;
    }

    /// <summary>The defaults: no credentials, no pinned host key, 5 s connect / 4 s request timeouts, 5 s keep-alive, 4 s guard staleness, 8 s check-and-write wait.</summary>
    public static SftpStoreSettings Default { get; } = new();

    /// <summary>How the store logs in (<c>username</c>, <c>private-key-file</c>, <c>private-key</c>, <c>passphrase</c>,
    /// <c>password</c>). The URI's <c>user@</c> part, when present, overrides the username.</summary>
    public SftpCredentials Credentials { get; private init; } = SftpCredentials.None;

    /// <summary>
    /// Accepted SHA-256 host key fingerprints (<c>host-key-sha256</c>), as printed by <c>ssh-keygen -lf</c> (with or
    /// without the <c>SHA256:</c> prefix and base64 padding). A server presenting any other key is refused with
    /// <see cref="StoreAccessDeniedException"/>. Empty (the default) refuses every server unless
    /// <see cref="AcceptAnyHostKeyInsecure"/> is set.
    /// </summary>
    public ImmutableArray<string> HostKeySha256 { get; private init; } = [];

    /// <summary>
    /// When true (<c>accept-any-host-key-insecure</c>), any host key is accepted, so a man in the middle can read and
    /// forge every lock. For throwaway test servers only; never in production.
    /// </summary>
    public bool AcceptAnyHostKeyInsecure { get; private init; }

    /// <summary>Bound on TCP connect + key exchange + authentication (<c>connect-timeout</c>); a server that does not answer in time is unavailable.</summary>
    public TimeSpan ConnectTimeout { get; private init; } = TimeSpan.FromSeconds(5);

    /// <summary>Bound on every single SFTP request (<c>operation-timeout</c>; SSH.NET's default is infinite); exceeding it is <see cref="StoreUnavailableException"/>.</summary>
    public TimeSpan OperationTimeout { get; private init; } = TimeSpan.FromSeconds(4);

    /// <summary>How often an idle connection sends an SSH keep-alive (<c>keep-alive-interval</c>; SSH.NET's default is off), so dead links are noticed.</summary>
    public TimeSpan KeepAliveInterval { get; private init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Age (on the server clock) after which a compare-and-swap guard file <c>&lt;sidecar&gt;.cas</c> is considered
    /// abandoned by a crashed writer and may be broken (<c>guard-stale-after</c>). A live writer gives up writing after
    /// half of it. Replace and delete of that one sidecar wait at most this long (plus 1 s) after a writer crashed mid-operation.
    /// </summary>
    public TimeSpan GuardStaleAfter { get; private init; } = TimeSpan.FromSeconds(4);

    /// <summary>
    /// How long a replace or delete waits for another writer's guard before failing with <see cref="StoreUnavailableException"/>
    /// (<c>check-and-write-timeout</c>). Keep it above <see cref="GuardStaleAfter"/> + 1 s, so a writer that finds a
    /// crashed writer's guard can break it within one call, and below the actors' store-operation-timeout.
    /// </summary>
    public TimeSpan CheckAndWriteTimeout { get; private init; } = TimeSpan.FromSeconds(8);

    /// <summary>When set (<c>root</c>), only targets under this absolute server path are accepted (defence in depth against traversal).</summary>
    public string? Root { get; private init; }

    /// <summary>
    /// SSH connections the store keeps per server and user (<c>connections-per-server</c>, default 1, at most 64).
    /// Operations are spread over them round-robin; each is one SSH login and one sftp-server process on the server,
    /// which handles its requests one at a time. More than one raises throughput with many concurrent callers when the
    /// server's process is the bottleneck; each connection is opened on first use.
    /// </summary>
    public int ConnectionsPerServer { get; private init; } = 1;

    /// <summary>The longest a writer may hold a guard before it stops writing: half of <see cref="GuardStaleAfter"/>.</summary>
    public TimeSpan GuardHoldBudget => GuardStaleAfter / 2;

    /// <summary>A copy that authenticates with <paramref name="credentials"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="credentials"/> is null.</exception>
    public SftpStoreSettings WithCredentials(SftpCredentials credentials) =>
        Validated(new(this) { Credentials = credentials });

    /// <summary>A copy that accepts only servers presenting one of <paramref name="fingerprints"/> (SHA-256); blank entries are ignored.</summary>
    public SftpStoreSettings WithHostKeySha256(params string[] fingerprints) =>
        Validated(new(this) { HostKeySha256 = [.. fingerprints.Where(f => !string.IsNullOrWhiteSpace(f))], AcceptAnyHostKeyInsecure = false });

    /// <summary>A copy that accepts ANY host key — no protection against a man in the middle. Tests only.</summary>
    public SftpStoreSettings WithAcceptAnyHostKeyInsecure(bool accept = true) =>
        Validated(new(this) { AcceptAnyHostKeyInsecure = accept });

    /// <summary>A copy with the given connect, per-request and keep-alive timings (null keeps the current one).</summary>
    /// <exception cref="ArgumentException">A timing is not positive; the message names its HOCON key.</exception>
    public SftpStoreSettings WithTimeouts(TimeSpan? connect = null, TimeSpan? operation = null, TimeSpan? keepAlive = null) =>
        Validated(new(this)
        {
            ConnectTimeout = connect ?? ConnectTimeout,
            OperationTimeout = operation ?? OperationTimeout,
            KeepAliveInterval = keepAlive ?? KeepAliveInterval,
        });

    /// <summary>A copy with the given guard staleness and check-and-write wait (null keeps the current one).</summary>
    /// <exception cref="ArgumentException">A timing is not positive; the message names its HOCON key.</exception>
    public SftpStoreSettings WithGuard(TimeSpan? staleAfter = null, TimeSpan? checkAndWriteTimeout = null) =>
        Validated(new(this)
        {
            GuardStaleAfter = staleAfter ?? GuardStaleAfter,
            CheckAndWriteTimeout = checkAndWriteTimeout ?? CheckAndWriteTimeout,
        });

    /// <summary>A copy that keeps <paramref name="connections"/> SSH connections per server and user (1 to 64).</summary>
    /// <exception cref="ArgumentException"><paramref name="connections"/> is out of range; the message names its HOCON key.</exception>
    public SftpStoreSettings WithConnectionsPerServer(int connections) =>
        Validated(new(this) { ConnectionsPerServer = connections });

    /// <summary>A copy restricted to targets under <paramref name="root"/> (null or empty: no restriction).</summary>
    public SftpStoreSettings WithRoot(string? root) =>
        Validated(new(this) { Root = string.IsNullOrEmpty(root) ? null : root });

    /// <summary>The settings without secrets (credentials print without theirs).</summary>
    public override string ToString() =>
        $"{nameof(SftpStoreSettings)} {{ {nameof(Credentials)} = {Credentials}, {nameof(HostKeySha256)} = [{string.Join(", ", HostKeySha256)}], " +
        $"{nameof(AcceptAnyHostKeyInsecure)} = {AcceptAnyHostKeyInsecure}, {nameof(ConnectTimeout)} = {ConnectTimeout}, " +
        $"{nameof(OperationTimeout)} = {OperationTimeout}, {nameof(KeepAliveInterval)} = {KeepAliveInterval}, " +
        $"{nameof(GuardStaleAfter)} = {GuardStaleAfter}, {nameof(CheckAndWriteTimeout)} = {CheckAndWriteTimeout}, {nameof(Root)} = {Root}, " +
        $"{nameof(ConnectionsPerServer)} = {ConnectionsPerServer} }}";

    /// <summary>True when <paramref name="fingerprintSha256"/> (as reported by the server) is pinned or pinning is off.</summary>
    internal bool TrustsHostKey(string fingerprintSha256)
    {
        if (AcceptAnyHostKeyInsecure)
        {
            return true;
        }

        var presented = NormalizeFingerprint(fingerprintSha256);
        return HostKeySha256.Any(pin => string.Equals(NormalizeFingerprint(pin), presented, StringComparison.Ordinal));
    }

    private static string NormalizeFingerprint(string fingerprint)
    {
        var f = fingerprint.Trim();
        if (f.StartsWith("SHA256:", StringComparison.OrdinalIgnoreCase))
        {
            f = f[7..];
        }

        return f.TrimEnd('=');
    }

    /// <summary>The one place the settings are checked: returns <paramref name="settings"/> or throws naming the HOCON key.</summary>
    private static SftpStoreSettings Validated(SftpStoreSettings settings)
    {
        if (settings.Credentials is null)
        {
            throw new ArgumentNullException(nameof(Credentials), $"{Section}: credentials must not be null (use SftpCredentials.None).");
        }

        Positive(settings.ConnectTimeout, "connect-timeout");
        Positive(settings.OperationTimeout, "operation-timeout");
        Positive(settings.KeepAliveInterval, "keep-alive-interval");
        Positive(settings.GuardStaleAfter, "guard-stale-after");
        Positive(settings.CheckAndWriteTimeout, "check-and-write-timeout");
        if (settings.ConnectionsPerServer is < 1 or > MaxConnectionsPerServer)
        {
            throw new ArgumentException($"connections-per-server must be between 1 and {MaxConnectionsPerServer}, not {settings.ConnectionsPerServer}.", "connections-per-server");
        }

        return settings;
    }

    private static void Positive(TimeSpan value, string key)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new ArgumentException($"{key} must be positive, not {value}.", key);
        }
    }
}
