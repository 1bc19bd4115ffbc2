using System.CommandLine;
using LockActors.Cli.Configuration;
using LockActors.Cli.Output;

namespace LockActors.Cli.Running;

/// <summary>Runs a command's body with its <see cref="CliContext"/>, turning every failure into one line and an exit code.</summary>
internal static class CommandAction
{
    /// <summary>Sets <paramref name="command"/>'s action to <paramref name="body"/>.</summary>
    public static void Set(Command command, Func<CliContext, ParseResult, CancellationToken, Task<int>> body) =>
        command.SetAction(async (parse, cancellationToken) =>
        {
            var console = CliConsole.System;
            try
            {
                var context = CliContext.Create(parse, console);
                await using (context.ConfigureAwait(false))
                {
                    return await body(context, parse, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception e)
            {
                return ErrorReport.Report(e, console.Error, parse.GetValue(CliConfiguration.Verbose));
            }
        });
}
