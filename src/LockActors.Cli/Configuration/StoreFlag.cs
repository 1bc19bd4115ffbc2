using System.CommandLine;

namespace LockActors.Cli.Configuration;

/// <summary>
/// One configuration key that can also be given as a flag or an environment variable (the flag wins, then the
/// variable, then the <c>--config</c> file, then the library's defaults).
/// </summary>
/// <param name="Flag">The option, e.g. <c>--s3-endpoint</c>.</param>
/// <param name="Variable">The environment variable, e.g. <c>LOCKCTL_S3_ENDPOINT</c>.</param>
/// <param name="Key">The HOCON key it sets, e.g. <c>lock-actors.stores.s3.service-url</c>.</param>
/// <param name="Description">Help text.</param>
internal sealed record StoreFlag(string Flag, string Variable, string Key, string Description)
{
    /// <summary>The command-line option (global: accepted after any sub-command).</summary>
    public Option<string?> Option { get; } = new(Flag) { Description = $"{Description} [{Key}; env {Variable}]", Recursive = true, HelpName = "value" };

    /// <summary>The value given on the command line, else in the environment, else null.</summary>
    public string? ValueIn(ParseResult parse, Func<string, string?> environment) =>
        parse.GetValue(Option) is { } flag ? flag : environment(Variable) is { Length: > 0 } variable ? variable : null;
}
