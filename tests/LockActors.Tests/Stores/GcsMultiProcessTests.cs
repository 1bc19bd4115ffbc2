using LockActors.Tests.MultiProcess;
using Xunit.Abstractions;

namespace LockActors.Tests.Stores;

/// <summary>
/// Exclusion across OS processes on gs:// targets: the worker processes talk over HTTP to the GCS emulator hosted in
/// the test process (in-repo emulator, not Google's service).
/// </summary>
public sealed class GcsMultiProcessTests(ITestOutputHelper output) : MultiProcessExclusionSuite(GcsLockProtocolTests.Backend, output);
