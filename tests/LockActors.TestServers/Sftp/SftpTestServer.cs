using System.Diagnostics;
using System.Text;
using LockActors.Sftp;
using Renci.SshNet;

namespace LockActors.TestServers.Sftp;

/// <summary>
/// The throwaway sshd of <c>tests/servers/sftp.sh</c>: the shared one started by <c>tests/run-all.sh</c> (from the
/// LOCKACTORS_SFTP_* variables; missing variables fail the test loudly) or a private one a test may stop and restart.
/// </summary>
public sealed class SftpTestServer
{
    private readonly IReadOnlyDictionary<string, string> _vars;
    private readonly string? _privateStateDir;

    private SftpTestServer(IReadOnlyDictionary<string, string> vars, string? privateStateDir)
    {
        _vars = vars;
        _privateStateDir = privateStateDir;
    }

    public string Host => Get("LOCKACTORS_SFTP_HOST");

    public int Port => int.Parse(Get("LOCKACTORS_SFTP_PORT"), System.Globalization.CultureInfo.InvariantCulture);

    public string User => Get("LOCKACTORS_SFTP_USER");

    public string KeyPath => Get("LOCKACTORS_SFTP_KEY");

    public string HostKeySha256 => Get("LOCKACTORS_SFTP_HOSTKEY_SHA256");

    /// <summary>The data directory, as an absolute path on the server.</summary>
    public string Root => Get("LOCKACTORS_SFTP_ROOT");

    public string Var(string name) => Get(name);

    public static SftpTestServer Shared { get; } = FromEnvironment();

    private static SftpTestServer FromEnvironment()
    {
        string[] names =
        [
            "LOCKACTORS_SFTP_HOST", "LOCKACTORS_SFTP_PORT", "LOCKACTORS_SFTP_USER", "LOCKACTORS_SFTP_KEY",
            "LOCKACTORS_SFTP_HOSTKEY_SHA256", "LOCKACTORS_SFTP_ROOT", "LOCKACTORS_SFTP_PIDFILE",
            "LOCKACTORS_SFTP_KEY_RSA", "LOCKACTORS_SFTP_KEY_ECDSA", "LOCKACTORS_SFTP_KEY_PROTECTED",
            "LOCKACTORS_SFTP_KEY_PASSPHRASE_FILE", "LOCKACTORS_SFTP_KEY_UNAUTHORIZED", "LOCKACTORS_SFTP_PASSWORD_FILE",
        ];
        var vars = new Dictionary<string, string>();
        foreach (var name in names)
        {
            vars[name] = Environment.GetEnvironmentVariable(name) ?? string.Empty;
        }

        return new SftpTestServer(vars, null);
    }

    private string Get(string name) =>
        _vars.TryGetValue(name, out var value) && value.Length > 0 ? value : TestEnvironment.Require(name, "The SFTP test server (tests/servers/sftp.sh)");

    /// <summary>Starts (or restarts, same port and keys) a private sshd with its own state directory.</summary>
    public static async Task<SftpTestServer> StartPrivateAsync(string stateDir)
    {
        var output = await RunScriptAsync("up", stateDir);
        var vars = new Dictionary<string, string>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            foreach (var token in line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(t => t.Contains('=', StringComparison.Ordinal)))
            {
                var eq = token.IndexOf('=', StringComparison.Ordinal);
                vars[token[..eq]] = token[(eq + 1)..];
            }
        }

        return new SftpTestServer(vars, stateDir);
    }

    /// <summary>
    /// Kills a private server the way a crash would: the listening sshd and every per-connection sshd it forked
    /// (stopping only the listener would leave open sessions served). Only processes of this private server are touched.
    /// </summary>
    public void KillPrivate()
    {
        if (_privateStateDir is null)
        {
            throw new InvalidOperationException("only private servers may be killed");
        }

        var listener = int.Parse(File.ReadAllText(Get("LOCKACTORS_SFTP_PIDFILE")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        foreach (var pid in Descendants(listener).Prepend(listener))
        {
            try
            {
                Process.GetProcessById(pid).Kill();
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                // already gone
            }
        }
    }

    /// <summary>A TCP-level look at the sessions: the per-connection sshd processes of a private server.</summary>
    public IReadOnlyList<int> SessionProcesses() =>
        Descendants(int.Parse(File.ReadAllText(Get("LOCKACTORS_SFTP_PIDFILE")).Trim(), System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    private static IEnumerable<int> Descendants(int pid)
    {
        var children = new List<int>();
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                var text = File.ReadAllText(Path.Combine(task, "children"));
                children.AddRange(text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(c => int.Parse(c, System.Globalization.CultureInfo.InvariantCulture)));
            }
        }
        catch (IOException)
        {
            // The process (or one of its threads) exited while we looked: it has no children left to kill.
        }

        return children.SelectMany(c => Descendants(c).Prepend(c)).ToArray();
    }

    /// <summary>Stops a private server (the shared one is never stopped by a test).</summary>
    public Task StopAsync() =>
        _privateStateDir is null ? throw new InvalidOperationException("only private servers may be stopped") : RunScriptAsync("down", _privateStateDir);

    /// <summary>The <c>lock-actors.stores.sftp</c> HOCON block for this server (key auth, pinned host key).</summary>
    public string Hocon(string extra = "") => $$"""
        lock-actors.stores.sftp {
          provider = "LockActors.Sftp.SftpLockStoreProvider, LockActors.Sftp"
          private-key-file = "{{KeyPath}}"
          host-key-sha256 = "{{HostKeySha256}}"
          {{extra}}
        }
        """;

    public SftpStoreSettings Settings(SftpCredentials? credentials = null) => SftpStoreSettings.Default
        .WithCredentials(credentials ?? SftpCredentials.FromKeyFile(KeyPath))
        .WithHostKeySha256(HostKeySha256);

    /// <summary>The sftp:// URI of an absolute server path.</summary>
    public string UriOf(string absolutePath) =>
        $"sftp://{Uri.EscapeDataString(User)}@{Host}:{Port}" + string.Join('/', absolutePath.Split('/').Select(Uri.EscapeDataString));

    /// <summary>A connected raw SSH.NET client (bypasses the store) for planting files and directories.</summary>
    public SftpClient RawClient()
    {
        var client = new SftpClient(Host, Port, User, new PrivateKeyFile(KeyPath));
        client.HostKeyReceived += (_, e) => e.CanTrust = e.FingerPrintSHA256.TrimEnd('=') == HostKeySha256.TrimEnd('=');
        client.Connect();
        return client;
    }

    private static async Task<string> RunScriptAsync(string command, string stateDir)
    {
        var script = Path.Combine(RepositoryRoot(), "tests", "servers", "sftp.sh");
        var start = new ProcessStartInfo("bash", [script, command, stateDir])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // Its own login: each start sets the user's password, which must not change under the shared server's tests.
        start.Environment["LOCKACTORS_SFTP_TEST_USER"] = "lockactors-sftp-private";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"sftp.sh {command} failed ({process.ExitCode}): {await stderr}");
        }

        return await stdout;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "tests", "servers", "sftp.sh")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("tests/servers/sftp.sh not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Reads a secret file written by the script (passphrase, password).</summary>
    public string Secret(string variable) => File.ReadAllText(Get(variable), Encoding.UTF8).Trim();
}
