using LockActors.Tests.Protocol;
using LockActors.TestServers.Backends;
using Xunit.Abstractions;

namespace LockActors.Tests.Stores;

/// <summary>The whole protocol suite on file:// with <c>lock-actors.stores.file.inline-io = on</c>.</summary>
public sealed class FileInlineIoLockProtocolTests(ITestOutputHelper output) : LockProtocolSuite(TestBackends.FileInlineIo, output);
