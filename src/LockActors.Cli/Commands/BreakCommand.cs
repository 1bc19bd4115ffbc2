using System.CommandLine;
using LockActors.Actors;
using LockActors.Cli.Inspection;
using LockActors.Cli.Output;
using LockActors.Cli.Running;
using LockActors.Configuration;

namespace LockActors.Cli.Commands;

/// <summary>
/// <c>lockctl break &lt;uri&gt;</c>: removes a stale lock, or with <c>--force</c> a live one, always by compare-and-swap on
/// the version just read (protocol rule 2): a holder that renewed, released or was replaced meanwhile is never touched.
/// </summary>
/// <remarks>
/// The sidecar is removed as a release removes it: deleted (<c>fencing = hybrid-clock</c>), or replaced by the
/// released marker that keeps the last fencing token (<c>fencing = strict</c>), so the next grant's token stays above
/// the broken holder's. A broken live holder learns of it at its next renewal (its compare-and-swap fails) and is told
/// it lost the lock.
/// </remarks>
internal static class BreakCommand
{
    public static Command Create()
    {
        var uri = new Argument<string>("uri") { Description = "The target file whose lock to break" };
        var force = new Option<bool>("--force") { Description = "Break the lock even if it is live (asks for confirmation)" };
        var yes = new Option<bool>("--yes", "-y") { Description = "With --force: do not ask" };
        var command = new Command("break", "Break a stale lock (compare-and-swap); --force breaks a live one") { uri, force, yes };
        CommandAction.Set(command, async (context, parse, cancellationToken) =>
        {
            var target = LockTarget.Parse(parse.GetValue(uri)!);
            var state = await context.Inspector.InspectAsync(target, cancellationToken).ConfigureAwait(false);
            var console = context.Console;
            if (state.IsFree)
            {
                await console.Out.WriteLineAsync($"{target}: not locked; nothing to break").ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            if (!state.IsStale)
            {
                if (!parse.GetValue(force))
                {
                    throw new CliFailure(ExitCodes.Held,
                        $"{target} is held by {LockStateText.Holder(state)} and is not stale{StaleIn(state)}; use --force to break a live lock");
                }

                if (!parse.GetValue(yes) && !await Confirmation.AskAsync(console, $"Break the LIVE lock on {target}, held by {LockStateText.Holder(state)}?").ConfigureAwait(false))
                {
                    throw new CliFailure(ExitCodes.Held, $"not confirmed: the live lock on {target} was left in place (answer y, or pass --yes)");
                }
            }

            if (!await BreakAsync(context, state, cancellationToken).ConfigureAwait(false))
            {
                throw new CliFailure(ExitCodes.Held, $"{target} changed since it was read (renewed, released or taken over); nothing was broken");
            }

            await console.Out.WriteLineAsync($"broke {state.Status} lock on {target}: {LockStateText.Holder(state)}").ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string StaleIn(LockState state) =>
        state.StaleIn is { } left ? $" (stale in {Durations.Format(left)} unless renewed)" : " (it never goes stale: TTL 0)";

    /// <summary>The compare-and-swap on the version read; false when the sidecar moved on since.</summary>
    private static async Task<bool> BreakAsync(CliContext context, LockState state, CancellationToken cancellationToken)
    {
        var store = context.Inspector.StoreFor(state.Target.Scheme);
        var key = state.Target.Sidecar;
        var version = state.Snapshot!.Version;
        if (context.Settings.Fencing == FencingMode.Strict && state.Holder is { } holder)
        {
            var marker = LockMetadataCodec.Encode(ReleasedTombstone.For(holder, DateTimeOffset.UtcNow));
            return await store.TryReplaceAsync(key, marker, version, cancellationToken).ConfigureAwait(false) is not null;
        }

        return await store.TryDeleteAsync(key, version, cancellationToken).ConfigureAwait(false);
    }
}
