using System.Collections.Immutable;

namespace LockActors.Sftp;

/// <summary>
/// Immutable settings of the <c>sftp://</c> store (HOCON <c>lock-actors.stores.sftp</c>). Change them with the
/// <c>With*</c> copies.
/// </summary>
/// <remarks>
/// Host keys are pinned by default: a connection is only made to a server whose host key has one of the
/// <see cref="HostKeySha256"/> fingerprints; anything else fails with <see cref="StoreAccessDeniedException"/>
/// before credentials are sent. <see cref="AcceptAnyHostKeyInsecure"/> switches that off (tests only).
/// </remarks>
public sealed record SftpStoreSettings
{
    /// <summary>The defaults: no credentials, no pinned host key, 5 s connect / 4 s request timeouts, 5 s keep-alive, 4 s guard staleness, 8 s check-and-write wait.</summary>
    public static SftpStoreSettings Default { get; } = new();

    /// <summary>How the store logs in. The URI's <c>user@</c> part, when present, overrides the username.</summary>
    public SftpCredentials Credentials { get; init; } = SftpCredentials.None;

    /// <summary>
    /// Accepted SHA-256 host key fingerprints, as printed by <c>ssh-keygen -lf</c> (with or without the
    /// <c>SHA256:</c> prefix and base64 padding). A server presenting any other key is refused with
    /// <see cref="StoreAccessDeniedException"/>. Empty (the default) refuses every server unless
    /// <see cref="AcceptAnyHostKeyInsecure"/> is set.
    /// </summary>
    public ImmutableArray<string> HostKeySha256 { get; init; } = [];

    /// <summary>
    /// When true, any host key is accepted, so a man in the middle can read and forge every lock.
    /// For throwaway test servers only; never in production.
    /// </summary>
    public bool AcceptAnyHostKeyInsecure { get; init; }

    /// <summary>Bound on TCP connect + key exchange + authentication; a server that does not answer in time is unavailable.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Bound on every single SFTP request (SSH.NET's default is infinite); exceeding it is <see cref="StoreUnavailableException"/>.</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>How often an idle connection sends an SSH keep-alive (SSH.NET's default is off), so dead links are noticed.</summary>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Age (on the server clock) after which a compare-and-swap guard file <c>&lt;sidecar&gt;.cas</c> is considered
    /// abandoned by a crashed writer and may be broken. A live writer gives up writing after half of it.
    /// Replace and delete of that one sidecar wait at most this long (plus 1 s) after a writer crashed mid-operation.
    /// </summary>
    public TimeSpan GuardStaleAfter { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>
    /// How long a replace or delete waits for another writer's guard before failing with <see cref="StoreUnavailableException"/>.
    /// Keep it above <see cref="GuardStaleAfter"/> + 1 s, so a writer that finds a crashed writer's guard can break it
    /// within one call, and below the actors' store-operation-timeout.
    /// </summary>
    public TimeSpan CheckAndWriteTimeout { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>When set, only targets under this absolute server path are accepted (defence in depth against traversal).</summary>
    public string? Root { get; init; }

    /// <summary>The longest a writer may hold a guard before it stops writing: half of <see cref="GuardStaleAfter"/>.</summary>
    public TimeSpan GuardHoldBudget => GuardStaleAfter / 2;

    /// <summary>A copy that authenticates with <paramref name="credentials"/>.</summary>
    public SftpStoreSettings WithCredentials(SftpCredentials credentials) =>
        this with { Credentials = credentials ?? throw new ArgumentNullException(nameof(credentials)) };

    /// <summary>A copy that accepts only servers presenting one of <paramref name="fingerprints"/> (SHA-256).</summary>
    public SftpStoreSettings WithHostKeySha256(params string[] fingerprints) =>
        this with { HostKeySha256 = [.. fingerprints.Where(f => !string.IsNullOrWhiteSpace(f))], AcceptAnyHostKeyInsecure = false };

    /// <summary>A copy that accepts ANY host key — no protection against a man in the middle. Tests only.</summary>
    public SftpStoreSettings WithAcceptAnyHostKeyInsecure(bool accept = true) => this with { AcceptAnyHostKeyInsecure = accept };

    /// <summary>A copy with the given connect, per-request and keep-alive timings.</summary>
    public SftpStoreSettings WithTimeouts(TimeSpan? connect = null, TimeSpan? operation = null, TimeSpan? keepAlive = null) => this with
    {
        ConnectTimeout = Positive(connect ?? ConnectTimeout, nameof(connect)),
        OperationTimeout = Positive(operation ?? OperationTimeout, nameof(operation)),
        KeepAliveInterval = Positive(keepAlive ?? KeepAliveInterval, nameof(keepAlive)),
    };

    /// <summary>A copy with the given guard staleness and check-and-write wait.</summary>
    public SftpStoreSettings WithGuard(TimeSpan? staleAfter = null, TimeSpan? checkAndWriteTimeout = null) => this with
    {
        GuardStaleAfter = Positive(staleAfter ?? GuardStaleAfter, nameof(staleAfter)),
        CheckAndWriteTimeout = Positive(checkAndWriteTimeout ?? CheckAndWriteTimeout, nameof(checkAndWriteTimeout)),
    };

    /// <summary>A copy restricted to targets under <paramref name="root"/>.</summary>
    public SftpStoreSettings WithRoot(string? root) => this with { Root = root };

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

    private static TimeSpan Positive(TimeSpan value, string name) =>
        value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(name, value, "must be positive");
}
