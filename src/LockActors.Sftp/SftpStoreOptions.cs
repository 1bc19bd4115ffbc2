using LockActors.Hosting;
using System.Text;

namespace LockActors.Sftp;

/// <summary>Hosting options for <c>lock-actors.stores.sftp</c> (the <c>sftp://user@host:port/path</c> store). Unset = reference.conf default.</summary>
public sealed class SftpStoreOptions : LockStoreOptions
{
    /// <inheritdoc />
    public override string Scheme => "sftp";

    /// <inheritdoc />
    protected override Type? ProviderType => typeof(SftpLockStoreProvider);

    /// <summary>Login used when a URI has no <c>user@</c> part (<c>username</c>).</summary>
    public string? Username { get; set; }

    /// <summary>Private key file (<c>private-key-file</c>).</summary>
    public string? PrivateKeyFile { get; set; }

    /// <summary>Private key text (<c>private-key</c>), e.g. from a secret store.</summary>
    public string? PrivateKey { get; set; }

    /// <summary>Passphrase of an encrypted private key (<c>passphrase</c>).</summary>
    public string? Passphrase { get; set; }

    /// <summary>Password (<c>password</c>).</summary>
    public string? Password { get; set; }

    /// <summary>Pinned SHA-256 host key fingerprints (<c>host-key-sha256</c>); a server with another key is refused.</summary>
    public IList<string> HostKeySha256 { get; } = new List<string>();

    /// <summary>Accept any host key (<c>accept-any-host-key-insecure</c>): no man-in-the-middle protection. Tests only.</summary>
    public bool? AcceptAnyHostKeyInsecure { get; set; }

    /// <summary>Connect + key exchange + authentication timeout (<c>connect-timeout</c>).</summary>
    public TimeSpan? ConnectTimeout { get; set; }

    /// <summary>Timeout of one SFTP request (<c>operation-timeout</c>).</summary>
    public TimeSpan? OperationTimeout { get; set; }

    /// <summary>SSH keep-alive interval (<c>keep-alive-interval</c>).</summary>
    public TimeSpan? KeepAliveInterval { get; set; }

    /// <summary>Age after which a crashed writer's guard file is broken (<c>guard-stale-after</c>).</summary>
    public TimeSpan? GuardStaleAfter { get; set; }

    /// <summary>How long a renew/release waits for another writer's guard (<c>check-and-write-timeout</c>).</summary>
    public TimeSpan? CheckAndWriteTimeout { get; set; }

    /// <summary>Only targets under this absolute server path are accepted (<c>root</c>).</summary>
    public string? Root { get; set; }

    /// <summary>SSH connections kept per server and user, used round-robin (<c>connections-per-server</c>, 1 to 64).</summary>
    public int? ConnectionsPerServer { get; set; }

    /// <inheritdoc />
    protected override void AppendKeys(StringBuilder hocon)
    {
        AppendText(hocon, "username", Username);
        AppendText(hocon, "private-key-file", PrivateKeyFile);
        AppendText(hocon, "private-key", PrivateKey);
        AppendText(hocon, "passphrase", Passphrase);
        AppendText(hocon, "password", Password);
        if (HostKeySha256.Count > 0)
        {
            hocon.Append("host-key-sha256 = [").Append(string.Join(", ", HostKeySha256.Select(Quote))).AppendLine("]");
        }

        AppendFlag(hocon, "accept-any-host-key-insecure", AcceptAnyHostKeyInsecure);
        AppendDuration(hocon, "connect-timeout", ConnectTimeout);
        AppendDuration(hocon, "operation-timeout", OperationTimeout);
        AppendDuration(hocon, "keep-alive-interval", KeepAliveInterval);
        AppendDuration(hocon, "guard-stale-after", GuardStaleAfter);
        AppendDuration(hocon, "check-and-write-timeout", CheckAndWriteTimeout);
        AppendText(hocon, "root", Root);
        if (ConnectionsPerServer is { } connections)
        {
            hocon.Append("connections-per-server = ").AppendLine(connections.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
