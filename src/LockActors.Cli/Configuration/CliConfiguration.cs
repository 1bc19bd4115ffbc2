using System.CommandLine;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Akka.Configuration;
using LockActors.Configuration;
using LockActors.Configuration.Stores;
using LockActors.Gcs;
using LockActors.S3;
using LockActors.Sftp;

namespace LockActors.Cli.Configuration;

/// <summary>
/// The global options and how they become the library's configuration: flags, then environment variables, then the
/// <c>--config</c> HOCON file (its <c>lock-actors</c> section, exactly what the library reads), then the library's
/// defaults. The three network stores are enabled by default (their providers named as the Hosting extensions do), so
/// an s3://, gs:// or sftp:// URI works with no configuration beyond credentials and endpoints.
/// </summary>
internal static class CliConfiguration
{
    private static readonly JsonSerializerOptions HoconString = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary><c>--config</c>: a HOCON file.</summary>
    public static readonly Option<FileInfo?> ConfigFile = new("--config", "-c")
    {
        Description = "HOCON file with a lock-actors { } section, as the library reads it [env LOCKCTL_CONFIG]",
        Recursive = true,
        HelpName = "file.conf",
    };

    /// <summary><c>--set key=value</c>: any key under <c>lock-actors</c>.</summary>
    public static readonly Option<string[]> Set = new("--set")
    {
        Description = "Any lock-actors key, e.g. --set stores.s3.probe=warn (repeatable; wins over everything else)",
        Recursive = true,
        HelpName = "key=value",
        Arity = ArgumentArity.ZeroOrMore,
    };

    /// <summary><c>--verbose</c>: stack traces and library logs.</summary>
    public static readonly Option<bool> Verbose = new("--verbose", "-v") { Description = "Print stack traces with errors", Recursive = true };

    /// <summary>Adds every global option to <paramref name="root"/>.</summary>
    public static void AddTo(RootCommand root)
    {
        root.Options.Add(ConfigFile);
        root.Options.Add(Set);
        root.Options.Add(Verbose);
        foreach (var flag in StoreFlags.All)
        {
            root.Options.Add(flag.Option);
        }
    }

    /// <summary>The effective configuration for <paramref name="parse"/>.</summary>
    /// <exception cref="CliFailure">The config file is missing or not HOCON, or a <c>--set</c> is malformed.</exception>
    public static Config Build(ParseResult parse, Func<string, string?> environment)
    {
        var overrides = new StringBuilder();
        foreach (var assignment in parse.GetValue(Set) ?? [])
        {
            var eq = assignment.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw CliFailure.Usage($"--set '{assignment}' is not key=value (for example --set stores.s3.probe=warn)");
            }

            var key = assignment[..eq].Trim();
            overrides.AppendLine($"{(key.StartsWith("lock-actors.", StringComparison.Ordinal) ? key : "lock-actors." + key)} = {Quote(assignment[(eq + 1)..])}");
        }

        foreach (var flag in StoreFlags.All)
        {
            if (flag.ValueIn(parse, environment) is { } value)
            {
                overrides.AppendLine($"{flag.Key} = {Quote(value)}");
            }
        }

        if (StoreFlags.S3Endpoint.ValueIn(parse, environment) is not null && StoreFlags.S3PathStyle.ValueIn(parse, environment) is null)
        {
            overrides.AppendLine($"{StoreFlags.S3PathStyle.Key} = on");
        }

        return Parse(overrides.ToString(), "flags and environment")
            .WithFallback(FileConfig(parse, environment))
            .WithFallback(Parse(NetworkStores, "built-in store list"));
    }

    /// <summary>The settings and the store registry, built and validated as the library builds them.</summary>
    public static (LockActorsSettings Settings, LockStoreRegistry Stores) Load(Config config) =>
        (LockActorsSettings.Create(config), LockStoreRegistryFactory.Create(config));

    private static Config FileConfig(ParseResult parse, Func<string, string?> environment)
    {
        var path = parse.GetValue(ConfigFile)?.FullName ?? (environment("LOCKCTL_CONFIG") is { Length: > 0 } variable ? variable : null);
        if (path is null)
        {
            return Config.Empty;
        }

        if (!File.Exists(path))
        {
            throw CliFailure.Usage($"config file '{path}' does not exist");
        }

        return Parse(File.ReadAllText(path), $"config file '{path}'");
    }

    private static Config Parse(string hocon, string source)
    {
        try
        {
            return ConfigurationFactory.ParseString(hocon);
        }
        catch (Exception e) when (e is ConfigurationException or FormatException or ArgumentException or InvalidOperationException)
        {
            throw CliFailure.Usage($"{source} is not valid HOCON: {e.Message}");
        }
    }

    private static string Quote(string value) => JsonSerializer.Serialize(value, HoconString);

    private static readonly string NetworkStores = $$"""
        lock-actors.stores {
          s3.provider = {{Quote(ProviderName<S3LockStoreProvider>())}}
          gs.provider = {{Quote(ProviderName<GcsLockStoreProvider>())}}
          sftp.provider = {{Quote(ProviderName<SftpLockStoreProvider>())}}
        }
        """;

    private static string ProviderName<T>() => $"{typeof(T).FullName}, {typeof(T).Assembly.GetName().Name}";
}
