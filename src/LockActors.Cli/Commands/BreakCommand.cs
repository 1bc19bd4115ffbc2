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
            var console = context.Console;
            if (context.Inspector.StoreFor(target.Scheme) is ILockStoreWarmUp warmUp)
            {
                // Connect and probe before the read, so the compare-and-swap follows it closely.
                await warmUp.PrepareAsync(target.Sidecar, cancellationToken).ConfigureAwait(false);
            }

            var state = await context.Inspector.InspectAsync(target, cancellationToken).ConfigureAwait(false);
            if (state.IsFree)
            {
                await console.Out.WriteLineAsync($"{target}: not locked; nothing to break").ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            var live = !state.IsStale;
            if (live)
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

            var broken = await BreakAsync(context, state, live, cancellationToken).ConfigureAwait(false);
            await console.Out.WriteLineAsync($"broke {broken.Status} lock on {target}: {LockStateText.Holder(broken)}").ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string StaleIn(LockState state) =>
        state.StaleIn is { } left ? $" (stale in {Durations.Format(left)} unless renewed)" : " (it never goes stale: TTL 0)";

    /// <summary>
    /// The compare-and-swap on the version read. A forced break of a live lock may meet the holder's renewal in between:
    /// the same grant (lock id) that was confirmed is then read again and broken at its new version, a few times at most;
    /// any other change (released, taken over, no longer stale) stops with nothing broken.
    /// </summary>
    private static async Task<LockState> BreakAsync(CliContext context, LockState state, bool live, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (await TryBreakAsync(context, state, cancellationToken).ConfigureAwait(false))
            {
                return state;
            }

            var now = await context.Inspector.InspectAsync(state.Target, cancellationToken).ConfigureAwait(false);
            var sameGrant = live && !now.IsFree && now.Holder is { } h && h.LockId == state.Holder?.LockId;
            if (!sameGrant || attempt == MaxForcedAttempts)
            {
                throw new CliFailure(ExitCodes.Held, $"{state.Target} changed since it was read ({(now.IsFree ? "released" : "renewed or taken over")}); nothing was broken");
            }

            state = now;
        }
    }

    private const int MaxForcedAttempts = 5;

    private static async Task<bool> TryBreakAsync(CliContext context, LockState state, CancellationToken cancellationToken)
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
