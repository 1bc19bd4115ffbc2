using LockActors.Tests.Protocol;
using LockActors.TestServers.Backends;
using Xunit.Abstractions;

namespace LockActors.Tests.Stores;

public sealed class FileLockProtocolTests(ITestOutputHelper output) : LockProtocolSuite(TestBackends.File, output);
