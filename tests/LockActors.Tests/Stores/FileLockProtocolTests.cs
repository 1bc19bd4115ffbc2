using LockActors.Tests.Protocol;
using Xunit.Abstractions;

namespace LockActors.Tests.Stores;

public sealed class FileLockProtocolTests(ITestOutputHelper output) : LockProtocolSuite(Backend, output)
{
    private static readonly string Root = Directory.CreateTempSubdirectory("lockactors-protocol-").FullName;

    internal static readonly StoreUnderTest Backend = new(
        "file",
        $"lock-actors.stores.file.root = \"{Root}\"",
        name => new Uri(Path.Combine(Directory.CreateDirectory(Path.Combine(Root, Guid.NewGuid().ToString("N"))).FullName, name)).AbsoluteUri,
        TimeSpan.FromSeconds(3));
}
