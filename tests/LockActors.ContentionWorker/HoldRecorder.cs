using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LockActors.Client;

namespace LockActors.ContentionWorker;

/// <summary>
/// Takes a lock, works under it the way a careful user would, and records the hold. The work is appending lines to
/// a per-target protected file, each only after <see cref="LockHandle.CheckLease"/> said the lease is certainly held
/// (stopping at the first "no"). The JSONL history line gives the hold's interval on the monotonic clock (Stopwatch
/// = CLOCK_MONOTONIC on Linux, shared by every process on the host): from the grant to the end of the last write made
/// under a valid lease. The history checker in LockActors.Reliability reads both files.
/// </summary>
internal sealed class HoldRecorder(string historyPath, string protectedDirectory) : IDisposable
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private readonly ConcurrentDictionary<string, HoldRecord> _releasing = new(StringComparer.Ordinal);
    private readonly StreamWriter _history = new(new FileStream(historyPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };

    /// <summary>One hold: acquire, BEGIN, a WRITE every <paramref name="interval"/> for <paramref name="holdFor"/>, END, release.</summary>
    /// <param name="announceGrant">Print "GRANT target token lockId enter" at once and "WRITTEN lockId exit lost" when
    /// the writes are over: a test can then account for a hold whose process is killed before it records it.</param>
    /// <param name="cancel">Stops a waiting acquire (not a hold under way).</param>
    /// <returns>The release outcome: "released" or the exception type name.</returns>
    public async Task<string> HoldAsync(LockClient client, string target, LockOptions options, TimeSpan holdFor, TimeSpan interval, bool verbose,
        bool announceGrant = false, CancellationToken cancel = default)
    {
        var handle = await client.AcquireAsync(target, options, cancel);
        var enter = Stopwatch.GetTimestamp();
        if (announceGrant)
        {
            Console.WriteLine(FormattableString.Invariant($"GRANT {handle.Target} {handle.FencingToken} {handle.LockId} {enter}"));
        }

        var protectedFile = ProtectedFile(protectedDirectory, handle.Target);
        if (verbose)
        {
            handle.HandleLost.Register(() => Console.WriteLine(FormattableString.Invariant($"LOST {Stopwatch.GetTimestamp()} {handle.LostReason}")));
        }

        var exit = enter;
        var lost = false;
        var writes = 0;
        bool WriteUnderLease(string kind)
        {
            var at = Stopwatch.GetTimestamp(); // before the check: a check stamped after a resume really ran after it
            var valid = handle.CheckLease();
            if (verbose)
            {
                Console.WriteLine(FormattableString.Invariant($"CHECK {at} {valid}"));
            }

            if (!valid)
            {
                lost = true;
                return false;
            }

            AppendLine(protectedFile, FormattableString.Invariant($"{kind} {handle.FencingToken} {Environment.ProcessId} {handle.LockId}"));
            writes++;
            exit = Stopwatch.GetTimestamp();
            return true;
        }

        if (WriteUnderLease("BEGIN"))
        {
            if (verbose)
            {
                Console.WriteLine(FormattableString.Invariant($"HOLDING {handle.FencingToken} {handle.LockId} {enter}"));
            }

            var until = holdFor == Timeout.InfiniteTimeSpan ? long.MaxValue : enter + Ticks(holdFor);
            for (var next = enter + Ticks(interval); next < until; next += Ticks(interval))
            {
                await DelayUntil(next);
                if (!WriteUnderLease("WRITE"))
                {
                    break;
                }
            }

            if (!lost)
            {
                await DelayUntil(until);
                WriteUnderLease("END");
            }
        }

        // Its writes are over: if the release never completes (the actor system terminated under it), RecordUnfinished
        // still records the hold with what is known.
        var unfinished = new HoldRecord(handle.Target, Environment.ProcessId, handle.LockId, handle.FencingToken, enter, exit, lost, writes, "unfinished");
        _releasing[handle.LockId] = unfinished;
        if (announceGrant)
        {
            // A process killed during the release leaves no record: this line still says when its writes ended.
            Console.WriteLine(FormattableString.Invariant($"WRITTEN {handle.LockId} {exit} {lost}"));
        }

        string release;
        try
        {
            await handle.ReleaseAsync();
            release = "released";
        }
        catch (Exception e)
        {
            release = e.GetType().Name;
        }

        if (_releasing.TryRemove(handle.LockId, out _))
        {
            Record(unfinished with { Release = release });
        }

        if (verbose)
        {
            Console.WriteLine($"RELEASE {release}");
        }

        return release;
    }

    /// <summary>Records every hold whose writes are over but whose release has not completed, as "unfinished".</summary>
    public void RecordUnfinished()
    {
        foreach (var lockId in _releasing.Keys)
        {
            if (_releasing.TryRemove(lockId, out var record))
            {
                Record(record);
            }
        }
    }

    public void Dispose() => _history.Dispose();

    private void Record(HoldRecord record)
    {
        lock (_history)
        {
            _history.WriteLine(JsonSerializer.Serialize(record, Json));
        }
    }

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    private static async Task DelayUntil(long timestamp)
    {
        var wait = timestamp - Stopwatch.GetTimestamp();
        if (wait > 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(wait * 1000.0 / Stopwatch.Frequency)));
        }
    }

    /// <summary>The protected file of <paramref name="target"/>: one per target, shared by every process.</summary>
    private static string ProtectedFile(string directory, string target) =>
        Path.Combine(directory, Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(target)))[..16].ToLower(CultureInfo.InvariantCulture) + ".log");

    private static void AppendLine(string path, string line)
    {
        using var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        file.Write(Encoding.UTF8.GetBytes(line + "\n"));
    }

    private sealed record HoldRecord(string Target, int Pid, string LockId, long Token, long Enter, long Exit, bool Lost, int Writes, string Release);
}
