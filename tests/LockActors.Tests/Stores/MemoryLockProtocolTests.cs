using LockActors.Tests.Protocol;
using Xunit.Abstractions;

namespace LockActors.Tests.Stores;

public sealed class MemoryLockProtocolTests(ITestOutputHelper output) : LockProtocolSuite(Backend, output)
{
    private static readonly StoreUnderTest Backend = new(
        "mem",
        "lock-actors.stores.mem.scope = process",
        name => $"mem://protocol/{Guid.NewGuid():N}/{name}",
        TimeSpan.FromSeconds(3));
}
