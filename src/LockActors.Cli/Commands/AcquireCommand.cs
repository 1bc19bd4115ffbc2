using System.CommandLine;
using Akka.Actor;
using Akka.Configuration;
using LockActors.Cli.Output;
using LockActors.Cli.Running;
using LockActors.Client;

namespace LockActors.Cli.Commands;

/// <summary>
/// <c>lockctl acquire &lt;uri&gt; -- &lt;command&gt; [args]</c>: runs a command while holding the lock, like <c>flock(1)</c>,
/// through the library's <see cref="LockClient"/>, so the lock is renewed while the command runs. Exits with the
/// command's code; when the lock is lost, the command's process tree is killed and the exit code is 5.
/// </summary>
internal static class AcquireCommand
{
    // The actor system exists only to hold the lock: its logs would mix with the command's output.
    private static readonly Config Quiet = ConfigurationFactory.ParseString("""
        akka.loglevel = ERROR
        akka.stdout-loglevel = ERROR
        akka.log-dead-letters = off
        akka.log-dead-letters-during-shutdown = off
        """);

    public static Command Create()
    {
        var uri = new Argument<string>("uri") { Description = "The target file to lock" };
        var run = new Argument<string[]>("command") { Description = "The command and its arguments, after --", Arity = ArgumentArity.OneOrMore };
        var ttl = new Option<string?>("--ttl") { Description = "Lease length (renewed while the command runs); default lock-actors.default-ttl" };
        var timeout = new Option<string?>("--timeout", "-w") { Description = "How long to wait while another holder has it (0 = fail at once); default lock-actors.acquire-timeout" };
        var command = new Command("acquire", "Run a command while holding the lock, with heartbeats (like flock); exit code = the command's, 5 = lock lost")
        {
            uri, run, ttl, timeout,
        };
        CommandAction.Set(command, async (context, parse, cancellationToken) =>
        {
            var options = new LockOptions
            {
                Ttl = parse.GetValue(ttl) is { } t ? Durations.Parse(t, "--ttl") : null,
                AcquireTimeout = parse.GetValue(timeout) is { } w ? Durations.Parse(w, "--timeout") : null,
            };
            var system = ActorSystem.Create("lockctl", context.Config.WithFallback(Quiet));
            try
            {
                return await RunAsync(context.Console, LockActorsExtension.Get(system).Client, parse.GetValue(uri)!, parse.GetValue(run)!, options, cancellationToken)
                    .ConfigureAwait(false);
            }
            finally
            {
                await system.Terminate().ConfigureAwait(false);
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(CliConsole console, LockClient client, string target, string[] command, LockOptions options, CancellationToken cancellationToken)
    {
        var handle = await client.AcquireAsync(target, options, cancellationToken).ConfigureAwait(false);
        await using (handle.ConfigureAwait(false))
        {
            using var child = ChildCommand.Start(command, handle);
            var exited = child.WaitAsync();
            var lost = Task.Delay(Timeout.Infinite, handle.HandleLost);
            var interrupted = Task.Delay(Timeout.Infinite, cancellationToken);
            var first = await Task.WhenAny(exited, lost, interrupted).ConfigureAwait(false);
            if (first == exited)
            {
                return await exited.ConfigureAwait(false);
            }

            await child.KillAsync().ConfigureAwait(false);
            if (first == lost)
            {
                await console.Error.WriteLineAsync(
                    $"lockctl: lost the lock on {handle.Target} ({handle.LostCause?.ToString() ?? "lost"}: {handle.LostReason}); killed the command (pid {child.ProcessId}) and its children").ConfigureAwait(false);
                return ExitCodes.LockLost;
            }

            await console.Error.WriteLineAsync($"lockctl: interrupted; killed the command (pid {child.ProcessId}) and released {handle.Target}").ConfigureAwait(false);
            return ExitCodes.Interrupted;
        }
    }
}
