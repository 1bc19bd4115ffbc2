using LockActors.Tests.Protocol;
using LockActors.TestServers.Backends;
using Xunit.Abstractions;

namespace LockActors.Tests.Stores;

public sealed class MemoryLockProtocolTests(ITestOutputHelper output) : LockProtocolSuite(TestBackends.Memory, output);
