using LockActors.Tests.Protocol;
using LockActors.TestServers.Sftp;
using Renci.SshNet;
using Xunit.Abstractions;

namespace LockActors.Tests.Stores;

/// <summary>The actor-level suite on sftp:// targets on the throwaway OpenSSH server of tests/servers/sftp.sh.</summary>
public sealed class SftpLockProtocolTests(ITestOutputHelper output) : LockProtocolSuite(Backend, output)
{
    private static readonly Lazy<SftpClient> Raw = new(() => SftpTestServer.Shared.RawClient());

    internal static readonly StoreUnderTest Backend = new(
        "sftp",
        SftpTestServer.Shared.Hocon(),
        name =>
        {
            var dir = SftpTestServer.Shared.Root + "/protocol-" + Guid.NewGuid().ToString("N");
            Raw.Value.CreateDirectory(dir);
            return SftpTestServer.Shared.UriOf(dir + "/" + name);
        },
        // Server mtimes have 1 s resolution: a TTL of a few seconds keeps staleness checks meaningful.
        TimeSpan.FromSeconds(3));
}
