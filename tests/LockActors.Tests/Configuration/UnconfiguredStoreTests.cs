using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using LockActors.Storage;
using Xunit;

namespace LockActors.Tests.Configuration;

/// <summary>A network store exists only when configured: an app set up for file:// never reaches out to S3.</summary>
public sealed class UnconfiguredStoreTests
{
    [Fact]
    public async Task An_s3_target_in_an_app_configured_only_for_files_fails_at_once_saying_how_to_enable_s3()
    {
        var root = Directory.CreateTempSubdirectory("unconfigured-");
        var system = ActorSystem.Create("unconfigured" + Guid.NewGuid().ToString("N")[..6],
            ConfigurationFactory.ParseString($"lock-actors.stores.file.root = \"{root.FullName}\""));
        try
        {
            var locks = LockActorsExtension.Get(system);
            Assert.False(locks.Stores.Supports("s3"));
            var clock = Stopwatch.StartNew();
            var error = await Assert.ThrowsAsync<UnsupportedSchemeException>(() => locks.Client.AcquireAsync("s3://inbox/a.csv"));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}: no store should have been tried");
            Assert.Equal("s3", error.Scheme);
            Assert.Contains("lock-actors.stores.s3.provider", error.Message, StringComparison.Ordinal);
            Assert.Contains("Use<Backend>()", error.Message, StringComparison.Ordinal);
            Assert.Contains("LockActors.S3", error.Message, StringComparison.Ordinal);
            Assert.False(locks.Stores.Supports("s3"));
        }
        finally
        {
            await system.Terminate();
            root.Delete(true);
        }
    }
}
