using System.CommandLine;
using Akka.Configuration;
using LockActors.Cli.Configuration;
using LockActors.Cli.Inspection;
using LockActors.Configuration;

namespace LockActors.Cli.Running;

/// <summary>What every command works with: the effective configuration, the library's settings and stores, the console.</summary>
internal sealed class CliContext : IAsyncDisposable
{
    private CliContext(Config config, LockActorsSettings settings, LockStoreRegistry stores, CliConsole console)
    {
        Config = config;
        Settings = settings;
        Stores = stores;
        Console = console;
        Inspector = new LockInspector(settings, stores);
    }

    /// <summary>The effective configuration (flags, environment, file, defaults).</summary>
    public Config Config { get; }

    /// <summary>The validated <c>lock-actors</c> settings.</summary>
    public LockActorsSettings Settings { get; }

    /// <summary>The scheme → store registry (stores are built on first use).</summary>
    public LockStoreRegistry Stores { get; }

    /// <summary>Reads and judges sidecars.</summary>
    public LockInspector Inspector { get; }

    /// <summary>Standard streams.</summary>
    public CliConsole Console { get; }

    /// <summary>Builds the context for <paramref name="parse"/>; configuration errors throw the library's typed exceptions.</summary>
    public static CliContext Create(ParseResult parse, CliConsole console)
    {
        var config = CliConfiguration.Build(parse, Environment.GetEnvironmentVariable);
        var (settings, stores) = CliConfiguration.Load(config);
        return new CliContext(config, settings, stores, console);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Stores.DisposeAsync();
}
