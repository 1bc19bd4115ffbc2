using LockActors.Tests.Protocol;
using LockActors.TestServers.Backends;
using Xunit.Abstractions;

namespace LockActors.S3.Tests;

/// <summary>The actor-level suite on s3:// targets in Ceph RGW (strict probe; auto conditional delete = tombstones there).</summary>
public sealed class S3LockProtocolTests(ITestOutputHelper output) : LockProtocolSuite(TestBackends.S3, output);
