using LockActors.Sftp;
using LockActors.TestServers.Sftp;
using LockActors.Storage.Tests.Conformance;
using Renci.SshNet;

namespace LockActors.Sftp.Tests;

public sealed class SftpLockStoreConformanceTests : LockStoreConformanceTests
{
    // One raw connection for the whole class: SSH handshakes dominate the run time on a busy machine.
    private static readonly Lazy<SftpClient> SharedRaw = new(() => SftpTestServer.Shared.RawClient());
    private readonly SftpTestServer _server = SftpTestServer.Shared;
    private readonly Lazy<SftpClient> _raw = SharedRaw;
    private readonly string _root = SftpTestServer.Shared.Root + "/conformance-" + Guid.NewGuid().ToString("N")[..8];

    protected override Task<ILockStore> CreateStoreAsync() => Task.FromResult<ILockStore>(new SftpLockStore(_server.Settings()));

    // A new SftpLockStore has its own connection pool: its requests reach the server over separate SSH connections
    // (separate sftp-server processes with OpenSSH), where a per-connection serialisation cannot hide a check-then-act.
    protected override Task<ILockStore> CreateIndependentStoreAsync() => CreateStoreAsync();

    protected override string NewTargetUri(string name)
    {
        if (!_raw.Value.Exists(_root))
        {
            _raw.Value.CreateDirectory(_root);
        }

        var dir = _root + "/" + Guid.NewGuid().ToString("N");
        _raw.Value.CreateDirectory(dir);
        return _server.UriOf(dir + "/" + name);
    }

    protected override string TargetInMissingLocation() => _server.UriOf(_server.Root + "/missing-" + Guid.NewGuid().ToString("N") + "/x.csv");

    protected override Task WriteRawAsync(SidecarKey key, byte[] content)
    {
        _raw.Value.WriteAllBytes(key.Path, content);
        return Task.CompletedTask;
    }
}
