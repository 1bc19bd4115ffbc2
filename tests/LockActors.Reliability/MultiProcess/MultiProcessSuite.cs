using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Configuration;
using LockActors.Client;
using LockActors.Configuration;
using LockActors.Reliability.History;
using LockActors.Storage;
using LockActors.TestServers.Backends;
using Xunit;
using Xunit.Abstractions;

namespace LockActors.Reliability.MultiProcess;

/// <summary>
/// Exclusion, fencing and lease safety across real OS processes (LockActors.ContentionWorker), run against every
/// cross-process backend by a tiny subclass. Every test records each hold in a JSONL history and has each holder write
/// under its lock to a protected file; <see cref="HistoryCheck"/> then asserts zero overlapping holds, strictly
/// growing fencing tokens per target and never-interleaved protected writes. Sizes come from
/// <see cref="ReliabilityRun"/>: short in CI, long under tests/run-soak.sh.
/// </summary>
public abstract class MultiProcessSuite : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("lockactors-mp-").FullName;
    private readonly List<WorkerProcess> _workers = [];
    private readonly ITestOutputHelper _output;
    private ActorSystem? _observer;

    protected MultiProcessSuite(StoreUnderTest backend, ITestOutputHelper output)
    {
        Backend = backend;
        _output = output;
        ProtectedDirectory = Directory.CreateDirectory(Path.Combine(_work, "protected")).FullName;
    }

    protected StoreUnderTest Backend { get; }

    /// <summary>Where the per-target protected files live (local to this host, shared by every worker).</summary>
    protected string ProtectedDirectory { get; }

    /// <summary>The store's clock resolution: its timestamps (Last-Modified, mtime) are whole seconds on network backends.</summary>
    protected virtual TimeSpan StoreClockResolution => TimeSpan.FromSeconds(1);

    private static double Ms(long stopwatchTicks) => stopwatchTicks * 1000.0 / Stopwatch.Frequency;

    [Fact]
    public async Task Processes_contending_on_few_targets_never_overlap_tokens_grow_and_protected_writes_never_interleave()
    {
        using var lane = await MultiProcessLanes.EnterAsync();
        var (processes, callers) = ReliabilityRun.Contenders;
        var grantsPerCaller = Math.Max(1, (ReliabilityRun.Grants + processes * callers - 1) / (processes * callers)); // at least the total asked for
        var targets = Enumerable.Range(0, 3).Select(i => Backend.NewTargetUri($"shared-{i}.csv")).ToArray();
        var check = await ContendAsync(targets, processes, callers, grantsPerCaller, faultRate: 0);

        Assert.Equal(processes * callers * grantsPerCaller, check.Holds.Count);
        // A lease may be lost on a loaded box (then reported before anyone else may take over); but a grant whose
        // lease was already over when it was handed out breaks "time is send time".
        Assert.True(!check.Holds.Any(h => h.Writes == 0), "granted with the lease already over (lost at the first CheckLease): " + string.Join(", ", check.Holds.Where(h => h.Writes == 0)));
        Assert.Equal(processes, check.Holds.Select(h => h.Pid).Distinct().Count());
        ReliabilityRun.Report(Backend.Name, $"R1 contention {processes} processes x {callers} callers, 3 targets", check.Clean ? "pass" : "FAIL", check.Summary());
        Assert.True(check.Clean, check.Report());
    }

    [Fact]
    public async Task Processes_under_injected_store_faults_never_overlap_and_leave_no_sidecar_after_clean_release()
    {
        using var lane = await MultiProcessLanes.EnterAsync();
        const int processes = 2, callers = 4;
        var grantsPerCaller = Math.Max(1, (ReliabilityRun.FaultGrants + processes * callers - 1) / (processes * callers));
        var targets = Enumerable.Range(0, 3).Select(i => Backend.NewTargetUri($"faulty-{i}.csv")).ToArray();
        var check = await ContendAsync(targets, processes, callers, grantsPerCaller, ReliabilityRun.FaultRate);

        var leaked = new List<string>();
        foreach (var target in targets)
        {
            var sidecar = await ReadSidecarAsync(target);
            if (sidecar is null)
            {
                continue;
            }

            var lockId = LockMetadataCodec.Decode(LockTarget.Parse(target).Sidecar, sidecar.Content.Span).LockId;
            var owner = check.Holds.FirstOrDefault(h => h.LockId == lockId);
            if (owner is null || owner.ReleasedCleanly)
            {
                leaked.Add($"{target}: sidecar of lock {lockId} left behind ({(owner is null ? "no caller ever held it: an orphaned grant" : "its release had succeeded")})");
            }
        }

        var figures = $"{check.Summary()}; fault rate {ReliabilityRun.FaultRate:P0}; leaked sidecars {leaked.Count}; failed releases {check.Holds.Count(h => !h.ReleasedCleanly)}";
        _output.WriteLine(figures);
        ReliabilityRun.Report(Backend.Name, $"R3 {processes} processes x {callers} callers, injected delays/errors/resets", check.Clean && leaked.Count == 0 ? "pass" : "FAIL", figures);
        Assert.True(check.Clean, check.Report());
        Assert.True(leaked.Count == 0, string.Join('\n', leaked));
        Assert.NotEmpty(check.Holds);
    }

    [Fact]
    public async Task Holder_stopped_by_SIGTERM_releases_its_lock_and_the_next_process_acquires_at_once()
    {
        using var lane = await MultiProcessLanes.EnterAsync();
        var ttl = TimeSpan.FromSeconds(30); // a sidecar left behind would block the next acquire (5 s wait) for ~30 s
        var target = Backend.NewTargetUri("sigterm.csv");
        var client = LockActorsExtension.Get(Observer).Client;
        // The observer's first request to a store pays its connection and endpoint probe (SFTP: SSH handshakes and a
        // 3 x 3 race on a loaded box, over a second): pay it before the measurement, on another target.
        await (await client.AcquireAsync(Backend.NewTargetUri("sigterm-warm-up.csv"), new LockOptions { Ttl = ttl })).DisposeAsync();
        var holder = StartWorker(WorkerConfig(fastPolling: true), "hold", target, ttl, History("sigterm-holder"), "--check-ms", "100");
        var holding = Holding.Parse(await holder.WaitForLineAsync("HOLDING", TimeSpan.FromSeconds(60)));
        Assert.NotNull(await ReadSidecarAsync(target));

        var watch = Stopwatch.StartNew();
        holder.Terminate();
        await holder.WaitForExitAsync(TimeSpan.FromSeconds(30));
        var exited = watch.Elapsed;

        // Gone (or, in strict fencing, a released tombstone) as soon as the process has exited: no TTL wait.
        var left = await ReadSidecarAsync(target);
        Assert.True(left is null || LockMetadataCodec.Decode(LockTarget.Parse(target).Sidecar, left.Content.Span).LockId == LockActors.Actors.ReleasedTombstone.LockId,
            "the stopped holder's sidecar is still there");
        watch.Restart();
        // A sidecar left behind would hold this acquire for the whole 30 s TTL; 5 s of wait tells the two apart on a loaded box.
        await using var next = await client.AcquireAsync(target, new LockOptions { Ttl = ttl, AcquireTimeout = TimeSpan.FromSeconds(5) });
        var acquired = watch.Elapsed;
        _output.WriteLine($"TIMING {Backend.Name}: SIGTERM -> holder process exited: {exited.TotalMilliseconds:F0} ms; next process's acquire: {acquired.TotalMilliseconds:F1} ms");
        Assert.True(next.FencingToken > holding.Token, $"token {next.FencingToken} after {holding.Token}");
    }

    [Fact]
    public async Task Killed_holder_is_taken_over_only_after_its_lease_expires_on_the_store_clock_and_promptly_after()
    {
        using var lane = await MultiProcessLanes.EnterAsync();
        var ttl = Backend.ShortTtl;
        var delays = new List<double>();
        var histories = new List<string>();
        var extraHolds = new List<Hold>();
        for (var round = 0; round < ReliabilityRun.Kills; round++)
        {
            var target = Backend.NewTargetUri($"killed-{round}.csv");
            var holderHistory = History($"kill-{round}-holder");
            var takerHistory = History($"kill-{round}-taker");
            histories.Add(takerHistory);
            var holder = StartWorker(WorkerConfig(fastPolling: false), "hold", target, ttl, holderHistory, "--check-ms", "100");
            var holding = Holding.Parse(await holder.WaitForLineAsync("HOLDING", TimeSpan.FromSeconds(60)));

            // The taker waits with the library's own polling while the holder renews; then the holder dies.
            var taker = StartWorker(WorkerConfig(fastPolling: false), "hold", target, ttl, takerHistory, "--hold-ms", "1500", "--check-ms", "100");
            await taker.WaitForLineAsync("CLOCK", TimeSpan.FromSeconds(60));
            // Follow the sidecar from before the kill: the holder's last write (its last successful heartbeat) and the
            // takeover write.
            SidecarSnapshot? last = null;
            SidecarSnapshot? takeover = null;
            var renewals = Stopwatch.GetTimestamp() + (long)(ttl.TotalSeconds * 0.7 * Stopwatch.Frequency); // at least one renewal (every ttl/3)
            while (Stopwatch.GetTimestamp() < renewals)
            {
                last = await ReadSidecarAsync(target) ?? last;
                await Task.Delay(50);
            }

            Assert.True(!holder.Lines.Any(l => l.StartsWith("LOST", StringComparison.Ordinal)),
                "the holder lost its lease before the kill (renewals starved on a loaded box?): " + string.Join(" | ", holder.Lines.Where(l => !l.StartsWith("CHECK", StringComparison.Ordinal))));
            var killedAt = holder.KillHard();
            var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 120;
            while (takeover is null && Stopwatch.GetTimestamp() < deadline)
            {
                var snapshot = await ReadSidecarAsync(target);
                if (snapshot is not null)
                {
                    var lockId = LockMetadataCodec.Decode(LockTarget.Parse(target).Sidecar, snapshot.Content.Span).LockId;
                    if (lockId == holding.LockId)
                    {
                        last = snapshot;
                    }
                    else
                    {
                        takeover = snapshot;
                    }
                }

                await Task.Delay(50);
            }

            var taken = Holding.Parse(await taker.WaitForLineAsync("HOLDING", TimeSpan.FromSeconds(60)));
            await AssertExitsCleanlyAsync(taker, TimeSpan.FromSeconds(60));
            // The killed holder recorded nothing: it held from its grant until the kill, as far as anyone can tell.
            var normalisedTarget = Hold.ReadAll([takerHistory]).Single().Target;
            extraHolds.Add(new Hold(normalisedTarget, holder.Pid, holding.LockId, holding.Token, holding.Enter, killedAt, false, 0, "killed"));
            Assert.True(last is not null, "the observer never read the holder's sidecar");
            Assert.True(takeover is not null, $"the observer saw no takeover write within 120 s; the taker printed: {string.Join(" | ", taker.Lines.Where(l => !l.StartsWith("CHECK", StringComparison.Ordinal)))}");
            var expiry = last.ModifiedAt + ttl;
            var afterExpiry = takeover.ModifiedAt - expiry;
            delays.Add(afterExpiry.TotalMilliseconds);
            _output.WriteLine($"round {round}: last heartbeat {last.ModifiedAt:HH:mm:ss.fff} (store clock), TTL {ttl.TotalSeconds} s, takeover write {takeover.ModifiedAt:HH:mm:ss.fff}: " +
                              $"{afterExpiry.TotalMilliseconds:F0} ms after the lease could expire; granted {Ms(taken.Enter - killedAt):F0} ms after the kill");

            Assert.True(takeover.ModifiedAt >= expiry, $"taken over {(expiry - takeover.ModifiedAt).TotalMilliseconds:F0} ms BEFORE the killed holder's lease could expire on the store clock");
            // Promptly: the waiter re-reads when the lease can first expire, not after a blind back-off. Allowed: the
            // stale grace, the store clock's resolution, and a loaded 2-core box.
            var prompt = TimeSpan.FromSeconds(2) + StoreClockResolution;
            Assert.True(afterExpiry <= prompt, $"taken over {afterExpiry.TotalMilliseconds:F0} ms after the lease could expire (allowed {prompt.TotalMilliseconds} ms)");
            Assert.True(taken.Token > holding.Token, $"takeover token {taken.Token} not above the killed holder's {holding.Token}");
        }

        var check = CheckHistory(histories, extraHolds);
        var figures = $"{delays.Count} kills; takeover after lease expiry on the store clock: min {delays.Min():F0} / median {Median(delays):F0} / max {delays.Max():F0} ms (TTL {ttl.TotalSeconds} s); {check.Summary()}";
        _output.WriteLine(figures);
        ReliabilityRun.Report(Backend.Name, "R2 kill -9 of a holder", check.Clean ? "pass" : "FAIL", figures);
        Assert.True(check.Clean, check.Report());
    }

    [Fact]
    public async Task Paused_holder_sees_its_loss_at_first_check_after_resume_and_touches_nothing_of_the_new_holder()
    {
        using var lane = await MultiProcessLanes.EnterAsync();
        var ttl = Backend.ShortTtl;
        var histories = new List<string>();
        var latencies = new List<double>();
        for (var round = 0; round < ReliabilityRun.Pauses; round++)
        {
            var target = Backend.NewTargetUri($"paused-{round}.csv");
            histories.Add(History($"pause-{round}-holder"));
            histories.Add(History($"pause-{round}-taker"));
            var holder = StartWorker(WorkerConfig(fastPolling: true), "hold", target, ttl, histories[^2], "--check-ms", "50");
            var holding = Holding.Parse(await holder.WaitForLineAsync("HOLDING", TimeSpan.FromSeconds(60)));
            await Task.Delay(ttl * 0.5); // at least one renewal
            Assert.True(!holder.Lines.Any(l => l.StartsWith("LOST", StringComparison.Ordinal)),
                "the holder lost its lease before the pause (renewals starved on a loaded box?): " + string.Join(" | ", holder.Lines.Where(l => !l.StartsWith("CHECK", StringComparison.Ordinal))));
            holder.Pause();
            var pausedAt = Stopwatch.GetTimestamp();

            // The new holder holds long enough for the paused one to resume, notice and release while it still holds.
            var taker = StartWorker(WorkerConfig(fastPolling: true), "hold", target, ttl, histories[^1], "--hold-ms", ((int)(ttl * 3).TotalMilliseconds).ToString(CultureInfo.InvariantCulture), "--check-ms", "100");
            var taken = Holding.Parse(await taker.WaitForLineAsync("HOLDING", ttl * 10 + TimeSpan.FromSeconds(30)));
            var resumedAt = Stopwatch.GetTimestamp();
            holder.Resume();

            await holder.WaitForLineAsync("DONE", TimeSpan.FromSeconds(30));
            var sidecarAfterOldRelease = await ReadSidecarAsync(target);
            var takerReleasedFirst = taker.Lines.Any(l => l.StartsWith("RELEASE", StringComparison.Ordinal));
            await AssertExitsCleanlyAsync(holder, TimeSpan.FromSeconds(30));

            var checksAfterResume = holder.Lines.Where(l => l.StartsWith("CHECK ", StringComparison.Ordinal)).Select(l => l.Split(' '))
                .Where(f => long.Parse(f[1], CultureInfo.InvariantCulture) >= resumedAt).ToArray();
            var lost = holder.Lines.FirstOrDefault(l => l.StartsWith("LOST ", StringComparison.Ordinal));
            var lostAt = lost is null ? (long?)null : long.Parse(lost.Split(' ')[1], CultureInfo.InvariantCulture);
            _output.WriteLine($"round {round}: paused {Ms(resumedAt - pausedAt):F0} ms (TTL {ttl.TotalMilliseconds} ms); first check after resume: " +
                              $"{(checksAfterResume.Length > 0 ? checksAfterResume[0][2] + $" at +{Ms(long.Parse(checksAfterResume[0][1], CultureInfo.InvariantCulture) - resumedAt):F1} ms" : "none")}; " +
                              $"HandleLost at {(lostAt is { } at ? $"+{Ms(at - resumedAt):F1} ms" : "never")}; release: {holder.Lines.FirstOrDefault(l => l.StartsWith("RELEASE", StringComparison.Ordinal))}");

            Assert.NotEmpty(checksAfterResume);
            Assert.True(checksAfterResume[0][2] == "False", "the paused holder's first CheckLease() after resume said its lease was still valid");
            Assert.True(lostAt is not null, "HandleLost never fired for the paused holder");
            Assert.True(lostAt >= pausedAt, "HandleLost fired before the pause: the holder had lost the lock before the test paused it");
            latencies.Add(Ms(lostAt.Value - resumedAt));
            Assert.True(lostAt.Value - resumedAt < (long)(ttl.TotalSeconds * Stopwatch.Frequency), $"HandleLost fired {Ms(lostAt.Value - resumedAt):F0} ms after resume");

            Assert.False(takerReleasedFirst, "the new holder had already finished before the old one released: nothing was checked");
            Assert.True(sidecarAfterOldRelease is not null, "the new holder's sidecar is gone after the paused holder released");
            Assert.Equal(taken.LockId, LockMetadataCodec.Decode(LockTarget.Parse(target).Sidecar, sidecarAfterOldRelease.Content.Span).LockId);
            await AssertExitsCleanlyAsync(taker, TimeSpan.FromSeconds(60));
            Assert.Contains("RELEASE released", taker.Lines);
            Assert.True(taken.Token > holding.Token, $"new holder's token {taken.Token} not above the paused holder's {holding.Token}");
        }

        var check = CheckHistory(histories, []);
        var figures = $"{latencies.Count} pauses past the TTL; HandleLost after resume: min {latencies.Min():F1} / median {Median(latencies):F1} / max {latencies.Max():F1} ms; {check.Summary()}";
        _output.WriteLine(figures);
        ReliabilityRun.Report(Backend.Name, "SIGSTOP of a holder past its TTL, SIGCONT", check.Clean ? "pass" : "FAIL", figures);
        Assert.True(check.Clean, check.Report());
    }

    [Fact]
    public async Task Processes_with_wall_clocks_an_hour_fast_and_an_hour_slow_never_steal_early_and_tokens_grow()
    {
        using var lane = await MultiProcessLanes.EnterAsync();
        var library = Environment.GetEnvironmentVariable("LOCKACTORS_FAKETIME_LIB") is { Length: > 0 } lib && File.Exists(lib)
            ? lib
            : throw new InvalidOperationException("libfaketime is not set up (LOCKACTORS_FAKETIME_LIB). Run the README test command (bash tests/run-all.sh), " +
                                                  "which runs tests/servers/faketime.sh, or: eval \"$(bash tests/servers/faketime.sh up /tmp/faketime)\"");
        var ttl = Backend.ShortTtl;
        // Strict fencing: its guarantee (tokens grow across a release) needs no clock; hybrid-clock's names the clock.
        var config = WorkerConfig(fastPolling: true, "lock-actors.fencing = strict");
        var histories = new List<string>();
        var holdFor = ((int)(ttl * 1.5).TotalMilliseconds).ToString(CultureInfo.InvariantCulture); // spans several renewals
        var rounds = ReliabilityRun.Soak ? 5 : 1;
        for (var round = 0; round < rounds; round++)
        {
            // fast holds, slow waits (a slow clock must not wait forever, nor draw a smaller token after the release);
            // slow holds, fast waits (a fast clock must not judge the live sidecar stale and steal it).
            var target = Backend.NewTargetUri($"skewed-{round}.csv");
            WorkerProcess? previous = null;
            foreach (var (offset, shift) in new[] { ("+1h", TimeSpan.FromHours(1)), ("-1h", TimeSpan.FromHours(-1)), ("+1h", TimeSpan.FromHours(1)) })
            {
                histories.Add(History($"skew-{round}-{histories.Count}{offset}"));
                var environment = new Dictionary<string, string>
                {
                    ["LD_PRELOAD"] = library,
                    ["FAKETIME"] = offset,
                    ["FAKETIME_DONT_FAKE_MONOTONIC"] = "1", // the history's enter/exit stay on the shared monotonic clock
                    // libfaketime 0.9.10's pthread_cond_timedwait "monotonic fix" breaks .NET's timed waits (SSH.NET's
                    // connect then always times out, even with FAKETIME=+0): off, so only the wall clock is shifted.
                    ["FAKETIME_FORCE_MONOTONIC_FIX"] = "0",
                };
                var worker = StartWorker(config, "hold", target, ttl, histories[^1], environment, "--hold-ms", holdFor, "--check-ms", "100");

                // .NET reads the wall clock through libc's clock_gettime, which libfaketime intercepts: the worker shows it.
                var clock = (await worker.WaitForLineAsync("CLOCK", TimeSpan.FromSeconds(60))).Split(' ').First(f => f.StartsWith("utc=", StringComparison.Ordinal))[4..];
                var seen = DateTime.Parse(clock, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind) - DateTime.UtcNow;
                _output.WriteLine($"worker {worker.Pid} with FAKETIME={offset}: DateTime.UtcNow shifted by {seen.TotalMinutes:F1} min");
                Assert.True((seen - shift).Duration() < TimeSpan.FromMinutes(5), $"libfaketime did not shift .NET's DateTime.UtcNow by {offset} (shift {seen})");

                if (previous is not null)
                {
                    await AssertExitsCleanlyAsync(previous, ttl * 10 + TimeSpan.FromSeconds(60), underFaketime: true);
                }
                else
                {
                    await worker.WaitForLineAsync("HOLDING", TimeSpan.FromSeconds(60));
                }

                previous = worker;
            }

            await AssertExitsCleanlyAsync(previous!, ttl * 10 + TimeSpan.FromSeconds(60), underFaketime: true);
        }

        var check = CheckHistory(histories, []);
        var ordered = check.Holds.OrderBy(h => h.Enter).ToArray();
        var gaps = ordered.Zip(ordered.Skip(1)).Where(p => p.First.Target == p.Second.Target).Select(p => Ms(p.Second.Enter - p.First.Exit)).ToArray();
        var figures = $"{check.Summary()}; waits from one hold's end to the next grant: {string.Join(", ", gaps.Select(g => g.ToString("F0", CultureInfo.InvariantCulture)))} ms; " +
                      $"tokens in grant order: {string.Join(", ", ordered.Select(h => $"{h.Token} (pid {h.Pid}{(h.Lost ? ", lost" : string.Empty)})"))}";
        _output.WriteLine(figures);
        ReliabilityRun.Report(Backend.Name, "clock skew +1h / -1h (libfaketime)", check.Clean && !check.Holds.Any(h => h.Lost) ? "pass" : "FAIL", figures);
        Assert.True(check.Clean, check.Report());
        Assert.True(!check.Holds.Any(h => h.Lost), "a holder lost its lock to a process with a skewed clock (stolen early): " + string.Join(", ", check.Holds.Where(h => h.Lost)));
        Assert.Equal(rounds * 3, check.Holds.Count);
    }

    public void Dispose()
    {
        foreach (var worker in _workers)
        {
            worker.Dispose();
        }

        _observer?.Terminate().Wait(TimeSpan.FromSeconds(10));
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Waits for <paramref name="worker"/> to exit 0; otherwise fails showing what it printed (a signal shows as 128 + n).</summary>
    private static async Task AssertExitsCleanlyAsync(WorkerProcess worker, TimeSpan timeout, bool underFaketime = false)
    {
        var exit = await worker.WaitForExitAsync(timeout);
        // libfaketime 0.9.10 sometimes crashes a .NET process in its exit teardown (SIGSEGV, 139): accepted only once the
        // worker had finished and said DONE (its history is written by then); a crash before that still fails.
        var finishedThenCrashedInFaketime = underFaketime && exit == 139 && worker.Lines.Any(l => l.StartsWith("DONE", StringComparison.Ordinal));
        Assert.True(exit == 0 || finishedThenCrashedInFaketime, $"worker {worker.Pid} exited {exit}.\nstdout (last lines):\n{string.Join('\n', worker.Lines.Where(l => !l.StartsWith("CHECK", StringComparison.Ordinal)).TakeLast(15))}\nstderr:\n{worker.Errors}");
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private async Task<HistoryCheck> ContendAsync(string[] targets, int processes, int callers, int grantsPerCaller, double faultRate)
    {
        var ttl = Backend.ShortTtl * 2;
        // Injected hangs last until the actor's own store-operation timeout: keep it short so a run stays short.
        var config = WorkerConfig(fastPolling: true, faultRate > 0 ? "lock-actors.store-operation-timeout = 2s" : string.Empty);
        var histories = new List<string>();
        var workers = new List<WorkerProcess>();
        for (var p = 0; p < processes; p++)
        {
            histories.Add(History($"contend-{p}"));
            var arguments = new List<string>
            {
                "--callers", callers.ToString(CultureInfo.InvariantCulture), "--grants", grantsPerCaller.ToString(CultureInfo.InvariantCulture), "--hold-ms", "3",
            };
            if (faultRate > 0)
            {
                arguments.AddRange(["--fault-rate", faultRate.ToString(CultureInfo.InvariantCulture), "--fault-seed", (1000 * p).ToString(CultureInfo.InvariantCulture),
                    "--tolerate-failures", "1", "--drain-ms", ((int)ttl.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)]);
            }

            workers.Add(StartWorker(config, "contend", string.Join(',', targets), ttl, histories[^1], null, [.. arguments]));
        }

        foreach (var worker in workers)
        {
            var exit = await worker.WaitForExitAsync(ReliabilityRun.Soak ? TimeSpan.FromHours(3) : TimeSpan.FromMinutes(4));
            _output.WriteLine($"worker {worker.Pid}: exit {exit} {worker.Lines.LastOrDefault()} {worker.Errors.Split('\n').Length} stderr lines");
            Assert.True(exit == 0, $"worker {worker.Pid} exited {exit}:\n{worker.Errors}");
        }

        var check = CheckHistory(histories, []);
        _output.WriteLine(check.Summary());
        return check;
    }

    private HistoryCheck CheckHistory(IEnumerable<string> histories, IEnumerable<Hold> extraHolds) =>
        HistoryCheck.Run([.. Hold.ReadAll(histories), .. extraHolds], ProtectedDirectory);

    private string History(string name) => Path.Combine(_work, name + ".jsonl");

    private string WorkerConfig(bool fastPolling, string extraHocon = "")
    {
        var path = Path.Combine(_work, $"worker-{(fastPolling ? "fast" : "default")}-{(uint)extraHocon.GetHashCode(StringComparison.Ordinal)}.conf");
        // Contention tests poll fast to keep CI short; the kill test keeps the library's default back-off so it
        // measures when a waiter really re-reads.
        var polling = fastPolling ? "\nlock-actors.poll-interval = 20ms\nlock-actors.max-poll-interval = 100ms" : string.Empty;
        File.WriteAllText(path, Backend.Hocon + polling + "\nakka.loglevel = WARNING\n" + extraHocon + "\n");
        return path;
    }

    private WorkerProcess StartWorker(string config, string mode, string targets, TimeSpan ttl, string history, params string[] extra) =>
        StartWorker(config, mode, targets, ttl, history, null, extra);

    private WorkerProcess StartWorker(string config, string mode, string targets, TimeSpan ttl, string history, IReadOnlyDictionary<string, string>? environment, params string[] extra)
    {
        var worker = WorkerProcess.Start(
            [mode, "--config", config, "--targets", targets, "--ttl-ms", ((int)ttl.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
             "--history", history, "--protected-dir", ProtectedDirectory, .. extra],
            environment);
        _workers.Add(worker);
        return worker;
    }

    /// <summary>This test process's own actor system on the backend: it reads sidecars and plays "the next process".</summary>
    private ActorSystem Observer => _observer ??=
        ActorSystem.Create("mp-observer", ConfigurationFactory.ParseString(Backend.Hocon).WithFallback(LockActorsSettings.ReferenceConfig));

    private async Task<SidecarSnapshot?> ReadSidecarAsync(string target)
    {
        var key = LockTarget.Parse(target).Sidecar;
        return await LockActorsExtension.Get(Observer).Stores.Resolve(key.Target).ReadAsync(key);
    }

    /// <summary>A worker's "HOLDING token lockId enter" line.</summary>
    private sealed record Holding(long Token, string LockId, long Enter)
    {
        public static Holding Parse(string line)
        {
            var f = line.Split(' ');
            return new Holding(long.Parse(f[1], CultureInfo.InvariantCulture), f[2], long.Parse(f[3], CultureInfo.InvariantCulture));
        }
    }
}
