using System.CommandLine;
using LockActors.Cli.Inspection;
using LockActors.Cli.Output;
using LockActors.Cli.Running;

namespace LockActors.Cli.Commands;

/// <summary>
/// <c>lockctl watch &lt;uri|prefix&gt;</c>: polls one target, or every sidecar under a prefix, and prints a line per
/// change until Ctrl+C (exit 0) or <c>--count</c> changes.
/// </summary>
internal static class WatchCommand
{
    public static Command Create()
    {
        var uri = new Argument<string>("uri") { Description = "A target file, or a prefix (ending in /, or with --prefix)" };
        var asPrefix = new Option<bool>("--prefix") { Description = "Treat the URI as a prefix even without a trailing /" };
        var interval = new Option<string>("--interval") { Description = "Time between two reads", DefaultValueFactory = _ => "1s" };
        var count = new Option<int?>("--count") { Description = "Exit after this many changes (the initial state is not counted)" };
        var json = new Option<bool>("--json") { Description = "One JSON object per line" };
        var command = new Command("watch", "Print a line per lock change (acquired, renewed, taken-over, stale, released) until Ctrl+C")
        {
            uri, asPrefix, interval, count, json,
        };
        CommandAction.Set(command, async (context, parse, cancellationToken) =>
        {
            var text = parse.GetValue(uri)!;
            var pause = Durations.Parse(parse.GetValue(interval)!, "--interval");
            if (pause <= TimeSpan.Zero)
            {
                throw CliFailure.Usage("--interval must be positive");
            }

            var limit = parse.GetValue(count);
            if (limit is <= 0)
            {
                throw CliFailure.Usage("--count must be positive");
            }

            Func<CancellationToken, Task<IReadOnlyList<LockState>>> read = parse.GetValue(asPrefix) || text.EndsWith('/')
                ? ReadPrefix(context.Inspector, LockPrefix.Parse(text))
                : ReadTarget(context.Inspector, LockTarget.Parse(text));
            return await WatchAsync(context.Console, read, pause, limit, parse.GetValue(json), cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static Func<CancellationToken, Task<IReadOnlyList<LockState>>> ReadPrefix(LockInspector inspector, LockPrefix prefix) =>
        ct => inspector.InspectAllAsync(prefix, ct);

    private static Func<CancellationToken, Task<IReadOnlyList<LockState>>> ReadTarget(LockInspector inspector, LockTarget target) =>
        async ct => [await inspector.InspectAsync(target, ct).ConfigureAwait(false)];

    private static async Task<int> WatchAsync(
        CliConsole console, Func<CancellationToken, Task<IReadOnlyList<LockState>>> read, TimeSpan pause, int? limit, bool json, CancellationToken cancellationToken)
    {
        var known = new Dictionary<string, LockState>(StringComparer.Ordinal);
        var changes = 0;
        var first = true;
        try
        {
            while (true)
            {
                var now = await read(cancellationToken).ConfigureAwait(false);
                var events = new List<WatchEvent>();
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var state in now)
                {
                    var name = state.Target.Normalized;
                    seen.Add(name);
                    known.TryGetValue(name, out var before);
                    var change = first ? (state.IsFree ? null : state.IsStale ? "stale" : "held") : WatchEvent.Between(before, state);
                    if (change is not null)
                    {
                        events.Add(new WatchEvent(DateTimeOffset.UtcNow, change, state));
                    }

                    known[name] = state;
                }

                // A sidecar that disappeared from a listing was released (or deleted by a break).
                foreach (var gone in known.Keys.Where(k => !seen.Contains(k)).ToArray())
                {
                    var last = known[gone];
                    known.Remove(gone);
                    if (!last.IsFree)
                    {
                        events.Add(new WatchEvent(DateTimeOffset.UtcNow, "released", last with { Snapshot = null, Holder = null, Corruption = null }));
                    }
                }

                foreach (var e in events)
                {
                    await console.Out.WriteLineAsync(json ? e.Json() : e.Text()).ConfigureAwait(false);
                    await console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
                    if (!first && ++changes >= limit)
                    {
                        return ExitCodes.Ok;
                    }
                }

                first = false;
                await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Ok; // Ctrl+C is how a watch ends
        }
    }
}
