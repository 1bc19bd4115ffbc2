using LockActors.Tests.Protocol;
using LockActors.TestServers.Backends;
using Xunit.Abstractions;

namespace LockActors.Sftp.Tests;

/// <summary>The actor-level suite on sftp:// targets on the throwaway OpenSSH server of tests/servers/sftp.sh.</summary>
public sealed class SftpLockProtocolTests(ITestOutputHelper output) : LockProtocolSuite(TestBackends.Sftp, output);
