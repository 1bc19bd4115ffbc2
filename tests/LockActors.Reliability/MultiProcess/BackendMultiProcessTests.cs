using LockActors.TestServers.Backends;
using Xunit.Abstractions;

namespace LockActors.Reliability.MultiProcess;

/// <summary>file:// across processes on this host (flock + link/rename); mtime has sub-millisecond resolution.</summary>
public sealed class FileMultiProcessTests(ITestOutputHelper output) : MultiProcessSuite(TestBackends.File, output)
{
    protected override TimeSpan StoreClockResolution => TimeSpan.Zero;
}

/// <summary>s3:// on Ceph RGW (strict probe; releases are tombstones there, so most hand-offs acquire over a tombstone).</summary>
public sealed class S3MultiProcessTests(ITestOutputHelper output) : MultiProcessSuite(TestBackends.S3, output);

/// <summary>sftp:// on the test sshd: every worker has its own SSH connection.</summary>
public sealed class SftpMultiProcessTests(ITestOutputHelper output) : MultiProcessSuite(TestBackends.Sftp, output);

/// <summary>gs:// on the GCS emulator hosted in this test process (in-repo, not Google's service); workers reach it over loopback HTTP.</summary>
public sealed class GcsMultiProcessTests(ITestOutputHelper output) : MultiProcessSuite(TestBackends.Gcs, output);
