using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Akka.Actor;
using LockActors.Actors;
using LockActors.Client;
using LockActors.Messages;
using LockActors.Reliability.Faults;
using LockActors.Storage;
using LockActors.TestServers.Faults;

namespace LockActors.Reliability.Schedules;

/// <summary>
/// One randomised schedule, fully determined by its seed: 2–3 actor systems sharing one store through fault-injecting
/// decorators, a few targets, and a random mix of acquire / try-acquire / Ask-acquire / release / cancel / target-actor
/// crash / store delays / store errors / dropped replies / hangs. Invariants are checked at every grant and at the end.
/// </summary>
/// <remarks>
/// The seed fixes every choice the schedule makes; thread interleavings still vary between runs, so a replay reproduces
/// the same operations and faults, not necessarily the same timing.
/// </remarks>
public sealed class ScheduleRunner(int seed, Action<string> log)
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMilliseconds(800);
    private static readonly TimeSpan StoreTimeout = TimeSpan.FromMilliseconds(300);
    // Scheduling slack on a loaded 2-core box (a cold process or parallel test classes can stall timers for seconds).
    private static readonly TimeSpan AnswerSlack = TimeSpan.FromSeconds(5);

    private readonly Random _random = new(seed);
    private readonly Lock _gate = new();
    private readonly List<Hold> _holds = [];
    private readonly Dictionary<string, long> _lastToken = [];
    private readonly List<string> _violations = [];
    private readonly ConcurrentBag<Task> _pending = [];
    private readonly List<(Request Request, CancellationTokenSource Cancel)> _cancellable = [];
    private readonly ConcurrentDictionary<string, int> _stats = new();
    private int _requestIds;
    private string _fencing = "strict";

    /// <summary>What went wrong; empty when every invariant held.</summary>
    public IReadOnlyList<string> Violations
    {
        get
        {
            lock (_gate)
            {
                return _violations.ToArray();
            }
        }
    }

    /// <summary>Runs the schedule to the end (including the final clean-up check).</summary>
    public async Task RunAsync(int steps = 40)
    {
        var systems = 2 + _random.Next(2);
        var targetCount = 2 + _random.Next(2);
        _fencing = _random.Next(2) == 0 ? "strict" : "hybrid-clock";
        await using var env = new SharedStoreSystems("mem", StoreTimeout, extraHocon: $"lock-actors.passivate-after = 1s\nlock-actors.fencing = {_fencing}");
        var nodes = Enumerable.Range(0, systems).Select(i => env.AddSystem("S" + i.ToString(CultureInfo.InvariantCulture))).ToArray();
        var targets = Enumerable.Range(0, targetCount).Select(_ => env.NewTarget()).ToArray();
        await WarmUpAsync(nodes, env);
        log($"seed {seed}: fencing {_fencing}, {systems} systems, {targetCount} targets, {steps} steps, ttl {Ttl.TotalMilliseconds} ms, store timeout {StoreTimeout.TotalMilliseconds} ms");

        for (var step = 0; step < steps; step++)
        {
            var node = nodes[_random.Next(nodes.Length)];
            var target = targets[_random.Next(targets.Length)];
            var roll = _random.Next(100);
            switch (roll)
            {
                case < 22: StartClientAcquire(node, target, wait: TimeSpan.FromMilliseconds(_random.Next(100, 1500))); break;
                case < 34: StartClientAcquire(node, target, wait: TimeSpan.Zero); break;
                case < 42: StartAskAcquire(node, target, wait: _random.Next(2) == 0 ? null : TimeSpan.FromMilliseconds(_random.Next(100, 1200))); break;
                case < 62: ReleaseOne(); break;
                case < 69: CancelOne(); break;
                case < 74: Count("crash"); node.Locks.Manager.Tell(new CrashForTest(target, $"schedule {seed} step {step}")); break;
                case < 94: InjectFault(node, target); break;
                default: Count("clear-faults"); node.Store.ClearFaults(); break;
            }

            await Task.Delay(_random.Next(0, 40)); // pacing between steps, not an assertion
        }

        await DrainAsync(nodes, targets, env);
        log($"seed {seed}: {string.Join(", ", _stats.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"))}");
        if (Violations.Count > 0)
        {
            log(env.Timeline.Dump());
        }
    }

    /// <summary>One acquire and release per system on a scratch target, so JIT and start-up costs do not count as slow answers.</summary>
    private static async Task WarmUpAsync(LockSystem[] nodes, SharedStoreSystems env)
    {
        var scratch = env.NewTarget();
        foreach (var node in nodes)
        {
            var handle = await node.Locks.Client.AcquireAsync(scratch, new LockOptions { Ttl = Ttl, AcquireTimeout = TimeSpan.FromSeconds(10) });
            await handle.ReleaseAsync();
        }
    }

    private void InjectFault(LockSystem node, string target)
    {
        var primitive = (StorePrimitive)_random.Next(4);
        var delay = TimeSpan.FromMilliseconds(_random.Next(10, 400));
        var fault = _random.Next(12) switch
        {
            0 or 1 => StoreFault.DelayBeforeApply(delay),
            2 or 3 or 4 => StoreFault.DelayAfterApply(delay),
            5 or 6 => StoreFault.FailBeforeApply,
            7 or 8 => StoreFault.ApplyThenFail,
            9 => StoreFault.ApplyThenHang(),
            10 => StoreFault.Hang(),
            _ => StoreFault.Hang(ignoreCancellation: true),
        };
        var count = 1 + _random.Next(3);
        var sidecar = SharedStoreSystems.SidecarName(target);
        Count("fault:" + fault.Action + (fault.IgnoresCancellation ? "(ignoring-cancel)" : string.Empty));
        node.Store.Next(count, primitive, fault, key => key.ToString() == sidecar);
    }

    private void StartClientAcquire(LockSystem node, string target, TimeSpan wait)
    {
        var request = NewRequest(node, target, wait == TimeSpan.Zero ? "try-acquire" : "acquire", wait);
        Task<LockHandle?> reply;
        if (wait == TimeSpan.Zero)
        {
            reply = node.Locks.Client.TryAcquireAsync(target, new LockOptions { Ttl = Ttl });
        }
        else
        {
            var cancel = new CancellationTokenSource();
            lock (_gate)
            {
                _cancellable.Add((request, cancel));
            }

            reply = node.Locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, AcquireTimeout = wait }, cancel.Token)!;
        }

        Track(request, reply.ContinueWith(
            t =>
            {
                if (t.IsCompletedSuccessfully)
                {
                    if (t.Result is { } handle)
                    {
                        OnGrant(request, handle.Grant, handle);
                    }
                    else
                    {
                        OnFailure(request, new LockAlreadyHeldException(target, null));
                    }
                }
                else
                {
                    OnFailure(request, t.Exception?.InnerException ?? new OperationCanceledException());
                }
            },
            TaskContinuationOptions.ExecuteSynchronously));
    }

    private void StartAskAcquire(LockSystem node, string target, TimeSpan? wait)
    {
        var request = NewRequest(node, target, "ask-acquire", wait ?? TimeSpan.Zero);
        var timeout = (wait ?? TimeSpan.Zero) + (StoreTimeout * 4) + AnswerSlack;
        var reply = node.Locks.Manager.Ask<LockGranted>(new Acquire(target, Ttl) { WaitTimeout = wait }, timeout);
        Track(request, reply.ContinueWith(
            t =>
            {
                if (t.IsCompletedSuccessfully)
                {
                    OnGrant(request, t.Result, null);
                }
                else
                {
                    OnFailure(request, t.Exception?.InnerException ?? new OperationCanceledException());
                }
            },
            TaskContinuationOptions.ExecuteSynchronously));
    }

    private Request NewRequest(LockSystem node, string target, string kind, TimeSpan wait)
    {
        Count(kind);
        return new Request(Interlocked.Increment(ref _requestIds), node, target, kind, Mono.Now, wait);
    }

    /// <summary>Every request is answered within its wait plus a few store timeouts (the call, a re-read, a clean-up) and <see cref="AnswerSlack"/>.</summary>
    private void CheckAnsweredInTime(Request request)
    {
        var due = request.Wait + (StoreTimeout * 4) + AnswerSlack;
        var took = Mono.Ms(request.StartedAt, Mono.Now);
        if (took > due.TotalMilliseconds)
        {
            Violation($"request {request.Id} ({request.Kind} on {request.Node.Name} {request.Target}, wait {request.Wait.TotalMilliseconds:0} ms) answered after {took:0} ms, more than {due.TotalMilliseconds:0} ms");
        }
    }

    private void Track(Request request, Task task) => _pending.Add(task);

    private void OnGrant(Request request, LockGranted grant, LockHandle? handle)
    {
        var at = Mono.Now;
        CheckAnsweredInTime(request);
        lock (_gate)
        {
            Count("granted");
            foreach (var other in _holds.Where(h => h.Request.Target == request.Target))
            {
                // Checked at the moment of the grant: no earlier grant of this target may still be certainly held.
                if (other.Grant.Lease.CheckLease())
                {
                    var releaseNote = other.ReleaseAskedAt is { } asked ? $" (its release was asked {Mono.Ms(asked, at):0} ms earlier and had not ended the lease)" : string.Empty;
                    Violation($"overlap on {request.Target}: request {request.Id} ({request.Node.Name}, token {grant.FencingToken}) granted at {StoreTimeline.Format(at)} while request {other.Request.Id} ({other.Request.Node.Name}, token {other.Grant.FencingToken}) still had CheckLease() true{releaseNote}");
                }
            }

            if (_lastToken.TryGetValue(request.Target, out var last) && grant.FencingToken <= last)
            {
                var what = $"token went backwards on {request.Target}: request {request.Id} ({request.Node.Name}) got {grant.FencingToken} after {last}";
                if (_fencing == "strict")
                {
                    Violation(what);
                }
                else
                {
                    // hybrid-clock promises order across a release only through the hosts' clocks; reported, not failed.
                    Count("hybrid-clock-token-inversion");
                    log($"seed {seed} NOTE (allowed by hybrid-clock fencing only): {what}");
                }
            }

            _lastToken[request.Target] = Math.Max(last, grant.FencingToken);
            _holds.Add(new Hold(request, grant, handle));
        }
    }

    private void OnFailure(Request request, Exception error)
    {
        Count("failed:" + error.GetType().Name);
        CheckAnsweredInTime(request);
        switch (error)
        {
            case AskTimeoutException:
                Violation($"request {request.Id} ({request.Kind} on {request.Node.Name} {request.Target}) got no answer (Ask timed out)");
                break;
            case LockAlreadyHeldException or LockAcquireTimeoutException or StoreUnavailableException or OperationCanceledException:
                break;
            default:
                Violation($"request {request.Id} ({request.Kind}) failed with an unexpected {error.GetType().Name}: {error.Message}");
                break;
        }
    }

    private void ReleaseOne()
    {
        Hold? hold;
        lock (_gate)
        {
            var live = _holds.Where(h => !h.ReleaseAsked).ToList();
            hold = live.Count == 0 ? null : live[_random.Next(live.Count)];
            if (hold is not null)
            {
                hold.ReleaseAsked = true;
                hold.ReleaseAskedAt = Mono.Now;
            }
        }

        if (hold is null)
        {
            return;
        }

        Count("release");
        _pending.Add(ReleaseAsync(hold));
    }

    private async Task ReleaseAsync(Hold hold)
    {
        try
        {
            if (hold.Handle is { } handle)
            {
                await handle.ReleaseAsync();
            }
            else
            {
                await hold.Request.Node.Locks.Manager.Ask<LockReleased>(new Release(hold.Grant.Target, hold.Grant.LockId), StoreTimeout * 4 + AnswerSlack);
            }

            Count("released");
        }
        catch (AskTimeoutException)
        {
            Violation($"release of request {hold.Request.Id} ({hold.Request.Kind} on {hold.Request.Node.Name} {hold.Request.Target}, {(hold.Handle is null ? "Ask Release" : "LockHandle.ReleaseAsync")}) asked at {(hold.ReleaseAskedAt is { } asked ? StoreTimeline.Format(asked) : "?")} got no answer");
        }
        catch (Exception e) when (e is LockNotHeldException or StoreUnavailableException)
        {
            Count("release-failed:" + e.GetType().Name);
        }
    }

    private void CancelOne()
    {
        CancellationTokenSource? cancel = null;
        lock (_gate)
        {
            if (_cancellable.Count > 0)
            {
                var i = _random.Next(_cancellable.Count);
                cancel = _cancellable[i].Cancel;
                _cancellable.RemoveAt(i);
            }
        }

        if (cancel is not null)
        {
            Count("cancel");
            cancel.Cancel();
        }
    }

    private async Task DrainAsync(LockSystem[] nodes, string[] targets, SharedStoreSystems env)
    {
        foreach (var node in nodes)
        {
            node.Store.ClearFaults();
        }

        // Every request is answered within its wait plus store timeouts (the client's own Ask limits enforce it).
        var all = Task.WhenAll(_pending.ToArray());
        if (await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(15))) != all)
        {
            Violation("requests still unanswered 15 s after the schedule ended");
        }

        // Release everything still held (a lost hold answers LockNotHeld and touches nothing).
        List<Hold> unreleased;
        lock (_gate)
        {
            unreleased = _holds.Where(h => !h.ReleaseAsked).ToList();
            unreleased.ForEach(h =>
            {
                h.ReleaseAsked = true;
                h.ReleaseAskedAt = Mono.Now;
            });
        }

        await Task.WhenAll(unreleased.Select(ReleaseAsync));

        // Every target can be acquired again (stale sidecars of lost holders are taken over), then released.
        foreach (var target in targets)
        {
            var request = NewRequest(nodes[0], target, "sweep", (Ttl * 3) + TimeSpan.FromSeconds(1));
            try
            {
                var handle = await nodes[0].Locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, AcquireTimeout = (Ttl * 3) + TimeSpan.FromSeconds(1) });
                OnGrant(request, handle.Grant, handle);
                await handle.ReleaseAsync();
            }
            catch (Exception e)
            {
                Violation($"target {target} could not be acquired and released after all faults were cleared: {e.GetType().Name}: {e.Message}");
            }
        }

        foreach (var target in targets)
        {
            if (await env.WaitUntilSidecarGoneAsync(target, Ttl + TimeSpan.FromMilliseconds(500)) is null)
            {
                Violation($"sidecar of {target} left in the store after everything was released and faults cleared");
            }
        }
    }

    private void Violation(string what)
    {
        lock (_gate)
        {
            _violations.Add(what);
        }
    }

    private void Count(string what) => _stats.AddOrUpdate(what, 1, (_, n) => n + 1);

    private sealed record Request(int Id, LockSystem Node, string Target, string Kind, long StartedAt, TimeSpan Wait);

    private sealed class Hold(Request request, LockGranted grant, LockHandle? handle)
    {
        public Request Request { get; } = request;

        public LockGranted Grant { get; } = grant;

        public LockHandle? Handle { get; } = handle;

        public bool ReleaseAsked { get; set; }

        public long? ReleaseAskedAt { get; set; }
    }
}
