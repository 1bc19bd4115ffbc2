using System.CommandLine;
using LockActors.Cli;
using LockActors.Cli.Commands;
using LockActors.Cli.Configuration;

var root = new RootCommand(
    "lockctl: inspect and manage LockActors locks (the <file>.lock sidecars) on file://, s3://, gs:// and sftp://. " +
    "Exit codes: 0 ok, 1 error, 2 usage, 3 held/not stale/changed/not confirmed, 4 store unavailable, 5 lock lost (acquire), " +
    "6 corrupt sidecar, 127 command not runnable (acquire), 130 interrupted; acquire otherwise exits with its command's code.");
CliConfiguration.AddTo(root);
root.Subcommands.Add(InfoCommand.Create());
root.Subcommands.Add(ListCommand.Create());
root.Subcommands.Add(BreakCommand.Create());
root.Subcommands.Add(WatchCommand.Create());
root.Subcommands.Add(AcquireCommand.Create());

var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    foreach (var error in parse.Errors)
    {
        Console.Error.WriteLine("lockctl: " + error.Message);
    }

    Console.Error.WriteLine("Try 'lockctl --help'.");
    return ExitCodes.Usage;
}

// Ctrl+C / SIGTERM cancel the running command, which then kills a child (acquire) and releases the lock: allow it time.
return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(15) });
