using Akka.Actor;
using Akka.Configuration;
using LockActors.Actors;
using LockActors.Client;
using LockActors.Configuration;
using LockActors.Configuration.Stores;
using LockActors.Storage;
using Xunit;

namespace LockActors.Tests;

/// <summary>
/// One exception root: whatever LockActors throws for a reason of its own is a <see cref="LockException"/>, a timeout
/// is a <see cref="LockTimeoutException"/>, and a configuration error names its full HOCON key.
/// </summary>
public sealed class ExceptionTests : Akka.TestKit.Xunit2.TestKit
{
    public ExceptionTests()
        : base(ConfigurationFactory.ParseString("lock-actors.stores.mem.scope = system").WithFallback(LockActorsSettings.ReferenceConfig))
    {
    }

    [Fact]
    public void Every_public_exception_type_derives_from_LockException()
    {
        var exceptions = new[] { typeof(LockException).Assembly, typeof(LockActorsExtension).Assembly }
            .SelectMany(a => a.GetExportedTypes())
            .Where(t => typeof(Exception).IsAssignableFrom(t))
            .ToArray();
        Assert.Contains(typeof(LockStoreException), exceptions);
        Assert.All(exceptions, t => Assert.True(typeof(LockException).IsAssignableFrom(t), $"{t} is not a LockException"));
    }

    [Fact]
    public void Timeouts_are_LockTimeoutExceptions_not_TimeoutExceptions()
    {
        Assert.True(typeof(LockTimeoutException).IsAssignableFrom(typeof(LockAcquireTimeoutException)));
        Assert.True(typeof(LockTimeoutException).IsAssignableFrom(typeof(LockReplyTimeoutException)));
        Assert.False(typeof(TimeoutException).IsAssignableFrom(typeof(LockAcquireTimeoutException)));
    }

    [Fact]
    public async Task LockManager_is_created_only_through_its_props()
    {
        Assert.Empty(typeof(LockManager).GetConstructors());
        var locks = LockActorsExtension.Get(Sys);
        var manager = Sys.ActorOf(LockManager.Props(locks.Settings, locks.Stores));
        var client = new LockClient(Sys, manager, locks.Settings);
        Assert.False((await client.GetInfoAsync($"mem://exceptions/{Guid.NewGuid():N}")).IsHeld);
    }

    [Theory]
    [InlineData("lock-actors.stores.mem.scope = galaxy", "lock-actors.stores.mem.scope")]
    [InlineData("lock-actors.stores.file.check-and-write-timeout = 0s", "lock-actors.stores.file.check-and-write-timeout")]
    [InlineData("lock-actors.stores.x { root = \"/\" }", "lock-actors.stores.x.provider")]
    [InlineData("lock-actors.stores.x.provider = \"No.Such.Provider, Nowhere\"", "lock-actors.stores.x.provider")]
    [InlineData("lock-actors.stores.x.provider = \"System.String\"", "lock-actors.stores.x.provider")]
    public void Store_configuration_errors_name_the_full_key(string hocon, string key)
    {
        var error = Assert.Throws<LockConfigurationException>(() => LockStoreRegistryFactory.Create(ConfigurationFactory.ParseString(hocon)));
        Assert.Equal(key, error.Key);
        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_manager_that_never_answers_gives_a_LockReplyTimeoutException()
    {
        var settings = LockActorsSettings.Default with { StoreOperationTimeout = TimeSpan.FromMilliseconds(100) };
        var silent = Sys.ActorOf(Props.Create(() => new SilentActor()));
        var client = new LockClient(Sys, silent, settings);
        var error = await Assert.ThrowsAsync<LockReplyTimeoutException>(() => client.GetInfoAsync("mem://exceptions/silent"));
        Assert.Equal("mem://exceptions/silent", error.Target);
        Assert.IsType<AskTimeoutException>(error.InnerException);
    }

    private sealed class SilentActor : ReceiveActor
    {
        public SilentActor() => ReceiveAny(_ => { });
    }
}
