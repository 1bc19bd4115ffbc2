using LockActors.Tests.MultiProcess;
using Xunit.Abstractions;

namespace LockActors.Tests.Stores;

/// <summary>
/// Exclusion across OS processes on sftp:// targets on the test sshd: every worker has its own SSH connection, so
/// creates race on the server's link(2) and renewals/releases on the CREAT|EXCL guard files.
/// </summary>
public sealed class SftpMultiProcessTests(ITestOutputHelper output) : MultiProcessExclusionSuite(SftpLockProtocolTests.Backend, output);
