using LockActors.Tests.MultiProcess;
using Xunit.Abstractions;

namespace LockActors.Tests.Stores;

public sealed class FileMultiProcessTests(ITestOutputHelper output) : MultiProcessExclusionSuite(FileLockProtocolTests.Backend, output);
