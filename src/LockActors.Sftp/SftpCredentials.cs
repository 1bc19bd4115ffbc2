using System.Text;
using Renci.SshNet;

namespace LockActors.Sftp;

/// <summary>
/// How the <c>sftp://</c> store authenticates: a private key (file or text; ed25519, RSA or ECDSA, optionally
/// protected by a passphrase), a password, or both (the server picks). Immutable; secrets are never printed by
/// <see cref="ToString"/>.
/// </summary>
/// <param name="Username">The login used when a target URI carries no <c>user@</c> part; the URI's user wins.</param>
/// <param name="PrivateKeyPath">Path of an OpenSSH/PEM/PuTTY private key file.</param>
/// <param name="PrivateKeyText">The private key itself (PEM/OpenSSH text), for keys held in a secret store.</param>
/// <param name="Passphrase">The passphrase of an encrypted private key.</param>
/// <param name="Password">A password for password authentication.</param>
public sealed record SftpCredentials(
    string? Username = null,
    string? PrivateKeyPath = null,
    string? PrivateKeyText = null,
    string? Passphrase = null,
    string? Password = null)
{
    /// <summary>No credentials: every connection fails with <see cref="StoreAccessDeniedException"/>.</summary>
    public static SftpCredentials None { get; } = new();

    /// <summary>Credentials using the private key file at <paramref name="path"/>.</summary>
    public static SftpCredentials FromKeyFile(string path, string? passphrase = null) => new(PrivateKeyPath: path, Passphrase: passphrase);

    /// <summary>Credentials using the private key given as text.</summary>
    public static SftpCredentials FromKeyText(string keyText, string? passphrase = null) => new(PrivateKeyText: keyText, Passphrase: passphrase);

    /// <summary>Credentials using a password.</summary>
    public static SftpCredentials FromPassword(string password) => new(Password: password);

    /// <summary>True when at least one authentication method is configured.</summary>
    public bool HasAnyMethod => PrivateKeyPath is { Length: > 0 } || PrivateKeyText is { Length: > 0 } || Password is { Length: > 0 };

    /// <summary>A copy that logs in as <paramref name="username"/> when the URI names no user.</summary>
    public SftpCredentials WithUsername(string? username) => this with { Username = username };

    /// <summary>A copy that authenticates with the private key file at <paramref name="path"/>.</summary>
    public SftpCredentials WithPrivateKeyPath(string? path, string? passphrase = null) => this with { PrivateKeyPath = path, PrivateKeyText = null, Passphrase = passphrase };

    /// <summary>A copy that authenticates with the private key given as text.</summary>
    public SftpCredentials WithPrivateKeyText(string? keyText, string? passphrase = null) => this with { PrivateKeyText = keyText, PrivateKeyPath = null, Passphrase = passphrase };

    /// <summary>A copy that also (or only) offers password authentication.</summary>
    public SftpCredentials WithPassword(string? password) => this with { Password = password };

    /// <inheritdoc />
    public override string ToString() =>
        $"SftpCredentials {{ Username = {Username}, Key = {(PrivateKeyPath ?? (PrivateKeyText is null ? "none" : "<text>"))}, " +
        $"Passphrase = {(Passphrase is null ? "none" : "***")}, Password = {(Password is null ? "none" : "***")} }}";

    /// <summary>True when a private key is configured.</summary>
    internal bool HasKey => PrivateKeyPath is { Length: > 0 } || PrivateKeyText is { Length: > 0 };

    /// <summary>Builds the SSH.NET authentication methods around an already loaded key (see <see cref="LoadKey"/>).</summary>
    internal AuthenticationMethod[] CreateMethods(string username, PrivateKeyFile? key)
    {
        var methods = new List<AuthenticationMethod>(2);
        if (key is not null)
        {
            methods.Add(new PrivateKeyAuthenticationMethod(username, key));
        }

        if (Password is { Length: > 0 })
        {
            methods.Add(new PasswordAuthenticationMethod(username, Password));
        }

        return methods.Count > 0
            ? methods.ToArray()
            : throw new StoreAccessDeniedException("No SFTP credentials are configured (private key or password).");
    }

    /// <summary>Reads and decrypts the private key (file I/O, and a deliberately slow KDF for passphrase-protected keys).</summary>
    /// <exception cref="StoreAccessDeniedException">The key cannot be read or decrypted.</exception>
    internal PrivateKeyFile LoadKey()
    {
        try
        {
            if (PrivateKeyText is { Length: > 0 })
            {
                // Configuration layers (HOCON) trim the final newline some key parsers expect.
                using var stream = new MemoryStream(Encoding.UTF8.GetBytes(PrivateKeyText.TrimEnd() + "\n"));
                return new PrivateKeyFile(stream, Passphrase);
            }

            return new PrivateKeyFile(PrivateKeyPath!, Passphrase);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var source = PrivateKeyText is { Length: > 0 } ? "the configured key text" : $"'{PrivateKeyPath}'";
            throw new StoreAccessDeniedException($"Cannot load the SFTP private key from {source} (wrong passphrase or unsupported format): {e.Message}", e);
        }
    }
}
