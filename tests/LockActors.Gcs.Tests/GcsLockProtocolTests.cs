using LockActors.Tests.Protocol;
using LockActors.TestServers.Backends;
using Xunit.Abstractions;

namespace LockActors.Gcs.Tests;

/// <summary>The actor-level suite on gs:// targets, against the in-repo GCS emulator (not Google's service).</summary>
public sealed class GcsLockProtocolTests(ITestOutputHelper output) : LockProtocolSuite(TestBackends.Gcs, output);
