using Akka.Configuration;
using LockActors.Configuration;
using LockActors.Configuration.Stores;
using LockActors.Hosting;
using LockActors.Storage.Stores.File;
using Xunit;

namespace LockActors.Tests.Stores;

/// <summary><c>lock-actors.stores.file</c>'s <c>inline-io</c>, from HOCON and from the Hosting <see cref="FileStoreOptions"/>.</summary>
public sealed class FileStoreConfigTests
{
    private static FileStoreSettings Read(Config config) =>
        FileStoreConfig.Read(config.WithFallback(LockActorsSettings.ReferenceConfig).GetConfig("lock-actors.stores"));

    [Fact]
    public void Inline_io_is_off_by_default()
    {
        Assert.False(FileStoreSettings.Default.InlineIo);
        Assert.False(Read(ConfigurationFactory.Empty).InlineIo);
        Assert.False(Read(new LockActorsOptions { Stores = { new FileStoreOptions { Root = "/data" } } }.ToConfig()).InlineIo);
    }

    [Theory]
    [InlineData("on", true)]
    [InlineData("true", true)]
    [InlineData("off", false)]
    [InlineData("false", false)]
    public void Inline_io_is_read_from_hocon(string value, bool expected) =>
        Assert.Equal(expected, Read(ConfigurationFactory.ParseString($"lock-actors.stores.file.inline-io = {value}")).InlineIo);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Hosting_option_renders_inline_io(bool inline)
    {
        var config = new LockActorsOptions { Stores = { new FileStoreOptions { InlineIo = inline } } }.ToConfig();
        Assert.Equal(inline, config.GetBoolean("lock-actors.stores.file.inline-io"));
        Assert.Equal(inline, Read(config).InlineIo);
    }
}
