using System.CommandLine;
using LockActors.Cli.Output;
using LockActors.Cli.Running;

namespace LockActors.Cli.Commands;

/// <summary><c>lockctl list &lt;prefix-uri&gt;</c>: every lock under a folder or prefix.</summary>
internal static class ListCommand
{
    public static Command Create()
    {
        var prefix = new Argument<string>("prefix-uri") { Description = "A folder (ending in /) or any beginning of a path, e.g. s3://bucket/in/ or file:///data/in/2026-" };
        var json = new Option<bool>("--json") { Description = "Print a JSON array" };
        var command = new Command("list", "List every lock under a folder or prefix (any depth), with its status") { prefix, json };
        CommandAction.Set(command, async (context, parse, cancellationToken) =>
        {
            var states = (await context.Inspector.InspectAllAsync(LockPrefix.Parse(parse.GetValue(prefix)!), cancellationToken).ConfigureAwait(false))
                .Where(s => !s.IsFree)
                .ToArray();
            var text = parse.GetValue(json) ? LockStateJson.Render(states)
                : states.Length == 0 ? $"no locks under {LockPrefix.Parse(parse.GetValue(prefix)!)}"
                : LockStateText.Table(states);
            await context.Console.Out.WriteLineAsync(text).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }
}
