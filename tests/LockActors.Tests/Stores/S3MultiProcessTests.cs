using LockActors.Tests.MultiProcess;
using Xunit.Abstractions;

namespace LockActors.Tests.Stores;

/// <summary>
/// Exclusion across OS processes on s3:// targets in Ceph RGW (strict probe; releases are tombstones there, so most
/// hand-offs acquire over a tombstone).
/// </summary>
public sealed class S3MultiProcessTests(ITestOutputHelper output) : MultiProcessExclusionSuite(S3LockProtocolTests.Backend, output);
