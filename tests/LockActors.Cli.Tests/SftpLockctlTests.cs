using LockActors.Storage;
using LockActors.TestServers.Sftp;

namespace LockActors.Cli.Tests;

/// <summary>lockctl on sftp:// (OpenSSH): the store configured by a --config HOCON file, as the library reads it.</summary>
public sealed class SftpLockctlTests : LockctlBackendTests, IDisposable
{
    private static readonly Lazy<string> ConfigFile = new(() =>
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("lockctl-sftp-").FullName, "lockctl.conf");
        File.WriteAllText(path, SftpTestServer.Shared.Hocon());
        return path;
    });

    private readonly Renci.SshNet.SftpClient _raw = SftpTestServer.Shared.RawClient();

    protected override IReadOnlyList<string> StoreArgs => ["--config", ConfigFile.Value];

    protected override string NewTargetUri(string name)
    {
        var dir = SftpTestServer.Shared.Root + "/lockctl-" + Guid.NewGuid().ToString("N");
        _raw.CreateDirectory(dir);
        return SftpTestServer.Shared.UriOf(dir + "/" + name);
    }

    protected override ILockStore NewStore() => new LockActors.Sftp.SftpLockStore(SftpTestServer.Shared.Settings());

    public void Dispose() => _raw.Dispose();
}
