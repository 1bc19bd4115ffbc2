using System.CommandLine;
using LockActors.Cli.Output;
using LockActors.Cli.Running;

namespace LockActors.Cli.Commands;

/// <summary><c>lockctl info &lt;uri&gt;</c>: who holds a target, and whether the lock is stale on the store's clock.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var uri = new Argument<string>("uri") { Description = "The target file, e.g. s3://bucket/in/a.csv (not its .lock sidecar)" };
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var command = new Command("info", "Show who holds a lock: owner, host, pid, age, TTL, stale or not (store clock), fencing token") { uri, json };
        CommandAction.Set(command, async (context, parse, cancellationToken) =>
        {
            var state = await context.Inspector.InspectAsync(LockTarget.Parse(parse.GetValue(uri)!), cancellationToken).ConfigureAwait(false);
            await context.Console.Out.WriteLineAsync(parse.GetValue(json) ? LockStateJson.Render(state) : LockStateText.Block(state)).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }
}
