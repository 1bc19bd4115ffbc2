using System.Text;
using Akka.Actor;
using Akka.Configuration;
using LockActors.Client;
using LockActors.Configuration;
using LockActors.Messages;
using LockActors.Storage;
using LockActors.Storage.Stores.Memory;
using Xunit;
using Xunit.Abstractions;

namespace LockActors.Tests.Safety;

/// <summary>Red-team sweep through the public API and HOCON: handle concurrency, one-answer-per-sidecar, fencing, extreme configuration.</summary>
public sealed class RedTeamApiTests(ITestOutputHelper output)
    : Akka.TestKit.Xunit2.TestKit(
        ConfigurationFactory.ParseString("lock-actors.stores.mem.scope = system\nlock-actors.stale-grace = 50ms\nlock-actors.poll-interval = 50ms\nlock-actors.max-poll-interval = 200ms")
            .WithFallback(LockActorsSettings.ReferenceConfig),
        output: output)
{
    private readonly ITestOutputHelper _out = output;
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(5);
    private LockActorsExtension Locks => LockActorsExtension.Get(Sys);
    private MemoryLockStore Store => (MemoryLockStore)Locks.Stores.Resolve("mem");
    private static string NewTarget() => $"mem://rt/{Guid.NewGuid():N}/a.csv";
    private void Plant(string target, byte[] raw) => Store.WriteRaw(LockTarget.Parse(target).Sidecar, raw);
    private static string Iso(DateTime t) => t.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ");

    private static ActorSystem NewSystem(string extra) => ActorSystem.Create("rt" + Guid.NewGuid().ToString("N")[..6],
        ConfigurationFactory.ParseString(extra).WithFallback(LockActorsSettings.ReferenceConfig));

    // ---------- class 1: API misuse / concurrency on handles ----------

    [Fact]
    public async Task Every_concurrent_ReleaseAsync_returns_only_after_the_lock_is_free()
    {
        for (var round = 0; round < 20; round++)
        {
            var target = NewTarget();
            var handle = await Locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl });
            using var go = new ManualResetEventSlim();
            var calls = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
            {
                go.Wait();
                if (i % 2 == 0) { await handle.ReleaseAsync(); } else { await handle.DisposeAsync(); }
            })).ToList();
            go.Set();
            await await Task.WhenAny(calls);
            // The first call to come back claims the release is done: another caller must be able to take the lock now.
            var info = await Locks.Client.GetInfoAsync(target);
            Assert.False(info.IsHeld, $"round {round}: a ReleaseAsync/DisposeAsync returned while the lock was still held ({info.Metadata?.LockId})");
            await Task.WhenAll(calls);
        }
    }

    [Fact]
    public async Task A_release_with_an_already_cancelled_token_does_not_release_behind_the_callers_back_and_its_retry_succeeds()
    {
        var target = NewTarget();
        var handle = await Locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl });
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => handle.ReleaseAsync(cts.Token));
        var info = await Locks.Client.GetInfoAsync(target);
        _out.WriteLine($"after cancelled release: held={info.IsHeld}");
        // Whatever the cancelled call did, a plain retry must succeed (not LockNotHeld) and leave the target free.
        Assert.True(info.IsHeld, "ReleaseAsync threw OperationCanceledException, yet the lock was released");
        await handle.ReleaseAsync(); // today: LockNotHeldException ("the target is not locked")
        Assert.False((await Locks.Client.GetInfoAsync(target)).IsHeld);
        Assert.Equal(0, Locks.Client.HeldCount);
    }

    [Fact]
    public async Task AcquireAsync_with_a_cancelled_token_writes_nothing()
    {
        var target = NewTarget();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl }, cts.Token));
        await Task.Delay(300);
        Assert.False((await Locks.Client.GetInfoAsync(target)).IsHeld);
        await using var h = await Locks.Client.TryAcquireAsync(target, new LockOptions { Ttl = Ttl });
        Assert.NotNull(h);
    }

    [Fact]
    public async Task WithLockAsync_releases_when_the_body_throws_or_cancels()
    {
        var target = NewTarget();
        await Assert.ThrowsAsync<InvalidOperationException>(() => Locks.Client.WithLockAsync(target, _ => throw new InvalidOperationException("body")));
        Assert.False((await Locks.Client.GetInfoAsync(target)).IsHeld);
        using var cts = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Locks.Client.WithLockAsync(target, async _ => { cts.Cancel(); await Task.Delay(-1, cts.Token); }, cancellationToken: cts.Token));
        Assert.False((await Locks.Client.GetInfoAsync(target)).IsHeld);
        Assert.Equal(0, Locks.Client.HeldCount);
    }

    [Fact]
    public async Task A_release_naming_another_grants_id_changes_nothing()
    {
        var target = NewTarget();
        var first = await Locks.Manager.Ask<LockGranted>(new Acquire(target, Ttl), TimeSpan.FromSeconds(5));
        await Locks.Manager.Ask<LockReleased>(new Release(target, first.LockId), TimeSpan.FromSeconds(5));
        var second = await Locks.Manager.Ask<LockGranted>(new Acquire(target, Ttl), TimeSpan.FromSeconds(5));
        await Assert.ThrowsAsync<LockNotHeldException>(() => Locks.Manager.Ask<LockReleased>(new Release(target, first.LockId), TimeSpan.FromSeconds(5)));
        var info = await Locks.Client.GetInfoAsync(target);
        Assert.Equal(second.LockId, info.Metadata?.LockId);
        Assert.True(second.Lease.CheckLease());
    }

    [Fact]
    public async Task Thousands_of_TryAcquire_on_one_target_grant_exactly_one_and_fail_typed()
    {
        var sys = NewSystem("lock-actors.max-waiters-per-target = 2");
        try
        {
            var client = LockActorsExtension.Get(sys).Client;
            var target = NewTarget().Replace("mem://", "mem://");
            var results = await Task.WhenAll(Enumerable.Range(0, 2000).Select(async _ =>
            {
                try { return (object?)await client.TryAcquireAsync(target, new LockOptions { Ttl = Ttl }); }
                catch (Exception e) { return e; }
            }));
            var handles = results.OfType<LockHandle>().ToList();
            var errors = results.OfType<Exception>().GroupBy(e => e.GetType().Name).Select(g => $"{g.Key}×{g.Count()}").ToList();
            _out.WriteLine($"granted {handles.Count}, null {results.Count(r => r is null)}, errors {string.Join(",", errors)}");
            Assert.Single(handles);
            Assert.All(results.OfType<Exception>(), e => Assert.IsType<LockQueueFullException>(e));
            await handles[0].ReleaseAsync();
        }
        finally { await sys.Terminate(); }
    }

    // ---------- class 2: one answer per sidecar ----------

    public static TheoryData<string> SidecarKinds => new() { "absent", "live", "stale", "corrupt", "oversized", "tombstone", "c2fo", "ttl0" };

    private byte[]? Sidecar(string kind)
    {
        var now = DateTime.UtcNow;
        return kind switch
        {
            "absent" => null,
            "live" => Encoding.UTF8.GetBytes($$"""{"v":1,"lockId":"other","ownerId":"o","hostname":"h","pid":1,"createdAt":"{{Iso(now)}}","heartbeatAt":"{{Iso(now)}}","ttlMs":60000,"fencingToken":5}"""),
            "stale" => Encoding.UTF8.GetBytes("""{"v":1,"lockId":"other","ownerId":"o","hostname":"h","pid":1,"createdAt":"2020-01-01T00:00:00Z","heartbeatAt":"2020-01-01T00:00:00Z","ttlMs":1000,"fencingToken":5}"""),
            "corrupt" => Encoding.UTF8.GetBytes("{not json"),
            "oversized" => Encoding.UTF8.GetBytes($$"""{"v":1,"lockId":"other","hostname":"h","pid":1,"createdAt":"{{Iso(now)}}","ttlMs":60000,"pad":"{{new string('x', 70_000)}}"}"""),
            "tombstone" => Encoding.UTF8.GetBytes("""{"v":1,"lockId":"released","hostname":"h","pid":1,"createdAt":"2020-01-01T00:00:00Z","ttlMs":1,"fencingToken":5}"""),
            "c2fo" => Encoding.UTF8.GetBytes($$"""{"createdAt":"{{Iso(now)}}","ttl":60000000000,"hostname":"h","pid":1}"""),
            "ttl0" => Encoding.UTF8.GetBytes("""{"v":1,"lockId":"other","hostname":"h","pid":1,"createdAt":"2020-01-01T00:00:00Z","ttlMs":0,"fencingToken":5}"""),
            _ => throw new ArgumentException(kind),
        };
    }

    private string Fresh(string kind)
    {
        var target = NewTarget();
        if (Sidecar(kind) is { } raw) { Plant(target, raw); }
        return target;
    }

    private static async Task<string> Outcome(Func<Task<string>> op)
    {
        try { return await op(); }
        catch (LockAlreadyHeldException) { return "held"; }
        catch (LockAcquireTimeoutException) { return "held"; }
        catch (Exception e) { return e.GetType().Name; }
    }

    [Theory]
    [MemberData(nameof(SidecarKinds))]
    public async Task Every_operation_gives_the_same_answer_for_the_same_sidecar(string kind)
    {
        var opts = new LockOptions { Ttl = Ttl, AcquireTimeout = TimeSpan.FromMilliseconds(400) };
        var tryAcq = await Outcome(async () => { var h = await Locks.Client.TryAcquireAsync(Fresh(kind), opts); if (h is null) { return "held"; } await h.ReleaseAsync(); return "free"; });
        var acq = await Outcome(async () => { var h = await Locks.Client.AcquireAsync(Fresh(kind), opts); await h.ReleaseAsync(); return "free"; });
        var info = await Outcome(async () => { var i = await Locks.Client.GetInfoAsync(Fresh(kind)); return i.IsHeld && !i.IsStale ? "held" : "free"; });
        var relTarget = Fresh(kind);
        var before = (await Store.ReadAsync(LockTarget.Parse(relTarget).Sidecar))?.Content.ToArray();
        var rel = await Outcome(async () => { await Locks.Manager.Ask<LockReleased>(new Release(relTarget, "not-a-grant"), TimeSpan.FromSeconds(5)); return "released"; });
        var after = (await Store.ReadAsync(LockTarget.Parse(relTarget).Sidecar))?.Content.ToArray();
        _out.WriteLine($"{kind}: TryAcquire={tryAcq} Acquire(wait)={acq} GetInfo={info} Release(foreign id)={rel}");
        Assert.True(tryAcq == acq && acq == info, $"{kind}: TryAcquire={tryAcq} Acquire(wait)={acq} GetInfo={info}");
        Assert.Equal(nameof(LockNotHeldException), rel);
        Assert.Equal(before is null ? null : Convert.ToBase64String(before), after is null ? null : Convert.ToBase64String(after));
    }

    // ---------- class 3: fencing ----------

    [Fact]
    public async Task Tokens_grow_across_crash_passivation_and_handover()
    {
        var sys = NewSystem("lock-actors.stores.mem.scope = system\nlock-actors.passivate-after = 50ms");
        try
        {
            var ext = LockActorsExtension.Get(sys);
            var target = NewTarget();
            long last = 0;
            for (var i = 0; i < 5; i++)
            {
                var g = await ext.Manager.Ask<LockGranted>(new Acquire(target, Ttl), TimeSpan.FromSeconds(5));
                Assert.True(g.FencingToken > last, $"step {i}: {g.FencingToken} after {last}");
                last = g.FencingToken;
                ext.Manager.Tell(new Actors.CrashForTest(target, "red team"));
                await Task.Delay(100);
                var waiter = ext.Manager.Ask<LockGranted>(new Acquire(target, Ttl) { WaitTimeout = TimeSpan.FromSeconds(5) }, TimeSpan.FromSeconds(10));
                await Task.Delay(50);
                await ext.Manager.Ask<LockReleased>(new Release(target, g.LockId), TimeSpan.FromSeconds(5));
                var h = await waiter;
                Assert.True(h.FencingToken > last, $"hand-over {i}: {h.FencingToken} after {last}");
                last = h.FencingToken;
                await ext.Manager.Ask<LockReleased>(new Release(target, h.LockId), TimeSpan.FromSeconds(5));
                await Task.Delay(200); // passivate
            }
        }
        finally { await sys.Terminate(); }
    }

    [Fact]
    public async Task Strict_mode_tokens_keep_growing_over_a_future_tombstone_across_releases()
    {
        var sys = NewSystem("lock-actors.stores.mem.scope = system\nlock-actors.fencing = strict");
        try
        {
            var ext = LockActorsExtension.Get(sys);
            var target = NewTarget();
            var future = (DateTime.UtcNow.AddYears(10).Ticks - DateTime.UnixEpoch.Ticks) / 10;
            ((MemoryLockStore)ext.Stores.Resolve("mem")).WriteRaw(LockTarget.Parse(target).Sidecar, Encoding.UTF8.GetBytes(
                $$"""{"v":1,"lockId":"released","hostname":"h","pid":1,"createdAt":"2026-01-01T00:00:00Z","ttlMs":1,"fencingToken":{{future}}}"""));
            long last = future;
            for (var i = 0; i < 5; i++)
            {
                await using var h = await ext.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl });
                Assert.True(h.FencingToken > last, $"grant {i}: {h.FencingToken} after {last}");
                last = h.FencingToken;
            }
        }
        finally { await sys.Terminate(); }
    }

    [Fact]
    public async Task A_hybrid_system_grants_above_a_strict_systems_tombstone_on_the_same_file_store()
    {
        var dir = Directory.CreateTempSubdirectory("rt-fence-");
        var strict = NewSystem("lock-actors.fencing = strict");
        var hybrid = NewSystem("lock-actors.fencing = hybrid-clock");
        try
        {
            var target = new Uri(Path.Combine(dir.FullName, "a.csv")).AbsoluteUri;
            var future = (DateTime.UtcNow.AddYears(10).Ticks - DateTime.UnixEpoch.Ticks) / 10;
            await File.WriteAllTextAsync(Path.Combine(dir.FullName, "a.csv.lock"),
                $$"""{"v":1,"lockId":"released","hostname":"h","pid":1,"createdAt":"2026-01-01T00:00:00Z","ttlMs":1,"fencingToken":{{future}}}""");
            long last = future;
            for (var i = 0; i < 3; i++)
            {
                foreach (var sys in new[] { strict, hybrid })
                {
                    var h = await LockActorsExtension.Get(sys).Client.AcquireAsync(target, new LockOptions { Ttl = Ttl });
                    _out.WriteLine($"{sys.Name} {h.FencingToken}");
                    Assert.True(h.FencingToken > last, $"round {i} {sys.Settings.Config.GetString("lock-actors.fencing")}: {h.FencingToken} after {last}");
                    last = h.FencingToken;
                    await h.ReleaseAsync();
                }
            }
        }
        finally
        {
            await strict.Terminate();
            await hybrid.Terminate();
            dir.Delete(true);
        }
    }

    // ---------- class 4: extreme configuration ----------

    public static TheoryData<string, string> ExtremeConfigs => new()
    {
        { "default-ttl = 1ms", "default-ttl" },
        { "default-ttl = 3650d", "default-ttl" },
        { "heartbeat-interval = 1ms", "" },
        { "heartbeat-interval = 30s", "heartbeat-interval" },
        { "lease-safety-margin = 0", "lease-safety-margin" },
        { "lease-safety-margin = 1", "lease-safety-margin" },
        { "lease-safety-margin = 0.99", "lease-safety-margin" },
        { "lease-safety-margin = 0.05", "" },
        { "default-ttl = 100ms", "" },
        { "heartbeat-interval = 11250ms", "" },
        { "heartbeat-interval = 11251ms", "heartbeat-interval" },
        { "store-operation-timeout = 60s", "store-operation-timeout" },
        { "poll-interval = 1ms\nmax-poll-interval = 1ms", "" },
        { "passivate-after = 1ms", "" },
        { "poll-interval = 0ms", "poll-interval" },
        { "max-waiters-per-target = 0", "max-waiters-per-target" },
        { "stale-grace = -1s", "stale-grace" },
    };

    [Theory]
    [MemberData(nameof(ExtremeConfigs))]
    public async Task Extreme_settings_are_refused_naming_the_key_or_work_safely(string setting, string refusedKey)
    {
        ActorSystem? sys = null;
        try
        {
            sys = NewSystem("lock-actors.stores.mem.scope = system\nlock-actors { " + setting + " }");
            LockActorsExtension ext;
            try { ext = LockActorsExtension.Get(sys); }
            catch (Exception e)
            {
                var inner = e is LockConfigurationException ? e : e.InnerException ?? e;
                _out.WriteLine($"{setting}: refused: {inner.GetType().Name}: {inner.Message}");
                Assert.NotEqual("", refusedKey);
                var error = Assert.IsType<LockConfigurationException>(inner);
                Assert.Equal("lock-actors." + refusedKey, error.Key);
                Assert.Contains(refusedKey, inner.Message);
                return;
            }

            _out.WriteLine($"{setting}: accepted");
            var target = NewTarget();
            if (!ext.Settings.HeartbeatFits(TimeSpan.FromSeconds(2)))
            {
                // A request TTL too short for the fixed heartbeat is refused, never renewed at another interval.
                var refused = await Assert.ThrowsAsync<InvalidLockRequestException>(() => ext.Client.AcquireAsync(target, new LockOptions { Ttl = TimeSpan.FromSeconds(2) }));
                Assert.Contains("heartbeat-interval", refused.Message);
                return;
            }

            // accepted: exclusion, renewal and hand-over must work with it
            var a = await ext.Client.AcquireAsync(target, new LockOptions { Ttl = TimeSpan.FromSeconds(2) });
            var b = ext.Client.AcquireAsync(target, new LockOptions { Ttl = TimeSpan.FromSeconds(2), AcquireTimeout = TimeSpan.FromSeconds(10) });
            await Task.Delay(2500); // past one TTL: a must have renewed, b must still wait
            Assert.True(a.CheckLease(), $"{setting}: holder lost its lease ({a.LostReason})");
            Assert.False(b.IsCompleted, $"{setting}: second caller got the lock while the first holds it");
            await a.ReleaseAsync();
            var bh = await b;
            Assert.True(bh.FencingToken > a.FencingToken);
            await bh.ReleaseAsync();
            await Task.Delay(50);
            Assert.False((await ext.Client.GetInfoAsync(target)).IsHeld);
        }
        finally { if (sys is not null) { await sys.Terminate(); } }
    }

    // ---------- c2fo/vfs lockfiles: what the README states ----------

    [Fact]
    public async Task A_c2fo_vfs_lockfile_with_ttl_0_is_held_by_a_foreign_holder_and_left_untouched_under_the_default_policy()
    {
        // README "Interoperation with c2fo/vfs": c2fo's files are foreign holders; ttl 0 is never stale, so never overwritten.
        var target = NewTarget();
        var raw = Encoding.UTF8.GetBytes($$"""{"createdAt":"{{Iso(DateTime.UtcNow)}}","ttl":0,"hostname":"h","pid":1}""");
        Plant(target, raw);
        var info = await Locks.Client.GetInfoAsync(target);
        Assert.Equal((true, false, SidecarFormat.C2foVfs), (info.IsHeld, info.IsStale, info.Metadata!.Format));
        Assert.Null(await Locks.Client.TryAcquireAsync(target, new LockOptions { Ttl = Ttl }));
        Assert.Equal(raw, (await Store.ReadAsync(LockTarget.Parse(target).Sidecar))!.Content.ToArray());
    }

    // ---------- class 1 cont.: hand-over, several systems at once ----------

    [Fact]
    public async Task A_released_handle_after_a_hand_over_cannot_touch_the_new_holder()
    {
        var target = NewTarget();
        var a = await Locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl });
        var bTask = Locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, AcquireTimeout = TimeSpan.FromSeconds(5) });
        await Task.Delay(100);
        await a.ReleaseAsync();
        var b = await bTask;
        await a.ReleaseAsync();
        await a.DisposeAsync();
        await Assert.ThrowsAsync<LockNotHeldException>(() => Locks.Manager.Ask<LockReleased>(new Release(target, a.LockId), TimeSpan.FromSeconds(5)));
        Assert.Equal(b.LockId, (await Locks.Client.GetInfoAsync(target)).Metadata?.LockId);
        Assert.True(b.CheckLease());
        Assert.True(b.FencingToken > a.FencingToken);
        await b.ReleaseAsync();
    }

    [Fact]
    public async Task Several_actor_systems_on_one_file_target_never_overlap_and_GetInfo_never_fails()
    {
        var dir = Directory.CreateTempSubdirectory("rt-multi-");
        var systems = Enumerable.Range(0, 3).Select(i => NewSystem($"lock-actors.poll-interval = 5ms\nlock-actors.max-poll-interval = 20ms\nlock-actors.fencing = {(i == 0 ? "strict" : "hybrid-clock")}")).ToList();
        try
        {
            var target = new Uri(Path.Combine(dir.FullName, "a.csv")).AbsoluteUri;
            var holders = 0;
            var tokens = new System.Collections.Concurrent.ConcurrentQueue<long>();
            var infoErrors = new System.Collections.Concurrent.ConcurrentQueue<string>();
            using var stop = new CancellationTokenSource();
            var infos = systems.Select(s => Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    try { await LockActorsExtension.Get(s).Client.GetInfoAsync(target); }
                    catch (Exception e) { infoErrors.Enqueue(e.GetType().Name + ": " + e.Message); }
                }
            })).ToList();
            var workers = systems.SelectMany(s => Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
            {
                var client = LockActorsExtension.Get(s).Client;
                for (var i = 0; i < 15; i++)
                {
                    await using var h = await client.AcquireAsync(target, new LockOptions { Ttl = Ttl, AcquireTimeout = TimeSpan.FromSeconds(60) });
                    Assert.Equal(1, Interlocked.Increment(ref holders));
                    tokens.Enqueue(h.FencingToken);
                    await Task.Delay(1);
                    Assert.True(h.CheckLease());
                    Interlocked.Decrement(ref holders);
                }
            }))).ToList();
            await Task.WhenAll(workers);
            stop.Cancel();
            await Task.WhenAll(infos);
            var t = tokens.ToArray();
            for (var i = 1; i < t.Length; i++) { Assert.True(t[i] > t[i - 1], $"token {t[i]} after {t[i - 1]}"); }
            Assert.Empty(infoErrors.Distinct());
            Assert.False(File.Exists(Path.Combine(dir.FullName, "a.csv.lock")) && !File.ReadAllText(Path.Combine(dir.FullName, "a.csv.lock")).Contains("\"released\""));
        }
        finally
        {
            foreach (var s in systems) { await s.Terminate(); }
            dir.Delete(true);
        }
    }

    // ---------- class 4 cont.: lease-safety-margin vs. the default heartbeat ----------

    [Fact]
    public async Task At_the_highest_accepted_lease_safety_margin_the_default_heartbeat_keeps_the_lease()
    {
        var sys = NewSystem("lock-actors.stores.mem.scope = system\nlock-actors.lease-safety-margin = 0.9");
        try
        {
            var client = LockActorsExtension.Get(sys).Client; // accepted at start-up
            await using var h = await client.AcquireAsync(NewTarget(), new LockOptions { Ttl = TimeSpan.FromSeconds(3) });
            await Task.Delay(1500);
            Assert.True(h.CheckLease(), $"healthy store, accepted settings, lease lost: {h.LostReason}");
        }
        finally { await sys.Terminate(); }
    }

    /// <summary>Memory store whose Nth replace (renewal) fails once with a store error.</summary>
    private sealed class FailOneReplaceStore(MemoryLockStore inner) : ILockStore
    {
        public int FailReplaceNumber = 1;
        private int _replaces;
        public StoreCapabilities Capabilities => inner.Capabilities;
        public Task<SidecarVersion?> TryCreateAsync(SidecarKey key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) => inner.TryCreateAsync(key, content, cancellationToken);
        public Task<SidecarSnapshot?> ReadAsync(SidecarKey key, CancellationToken cancellationToken = default) => inner.ReadAsync(key, cancellationToken);
        public Task<SidecarVersion?> TryReplaceAsync(SidecarKey key, ReadOnlyMemory<byte> content, SidecarVersion expected, CancellationToken cancellationToken = default) =>
            Interlocked.Increment(ref _replaces) == FailReplaceNumber
                ? Task.FromException<SidecarVersion?>(new IOException("injected: one renewal fails"))
                : inner.TryReplaceAsync(key, content, expected, cancellationToken);
        public Task<bool> TryDeleteAsync(SidecarKey key, SidecarVersion expected, CancellationToken cancellationToken = default) => inner.TryDeleteAsync(key, expected, cancellationToken);
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    [Theory]
    [InlineData("0.25")] // control: default margin
    [InlineData("0.5")]
    public async Task With_an_accepted_lease_safety_margin_one_failed_default_renewal_does_not_lose_the_lease(string margin)
    {
        // heartbeat-interval = off (ttl/3); margin 0.5 is accepted. The start-up check for an explicit heartbeat says a
        // renewal "can fail once without losing the lease"; the default heartbeat must give the same.
        var store = new FailOneReplaceStore(new MemoryLockStore());
        var sys = ActorSystem.Create("rt" + Guid.NewGuid().ToString("N")[..6],
            Akka.Actor.Setup.ActorSystemSetup.Create(new LockActorsSetup(r => r.Register("flaky", store)),
                BootstrapSetup.Create().WithConfig(ConfigurationFactory.ParseString("lock-actors.lease-safety-margin = " + margin).WithFallback(LockActorsSettings.ReferenceConfig))));
        try
        {
            var client = LockActorsExtension.Get(sys).Client;
            await using var h = await client.AcquireAsync($"flaky://rt/{Guid.NewGuid():N}/a.csv", new LockOptions { Ttl = TimeSpan.FromSeconds(3) });
            await Task.Delay(2600); // first renewal (1 s) fails, second (2 s) succeeds
            Assert.True(h.CheckLease(), $"one failed renewal lost the lease: {h.LostReason}");
        }
        finally { await sys.Terminate(); }
    }

    [Fact]
    public async Task Every_concurrent_release_returns_only_after_another_process_can_take_the_file_lock()
    {
        var dir = Directory.CreateTempSubdirectory("rt-rel-");
        var other = NewSystem("");
        var mine = NewSystem("");
        try
        {
            var failures = new List<string>();
            for (var round = 0; round < 30; round++)
            {
                var target = new Uri(Path.Combine(dir.FullName, $"r{round}.csv")).AbsoluteUri;
                var handle = await LockActorsExtension.Get(mine).Client.AcquireAsync(target, new LockOptions { Ttl = Ttl });
                // two callers release the same handle (e.g. an explicit ReleaseAsync racing a DisposeAsync): the one that
                // comes back first says "released"; another process must be able to take the lock at that moment.
                var first = handle.ReleaseAsync();
                var second = round % 2 == 0 ? handle.ReleaseAsync() : handle.DisposeAsync().AsTask();
                await second;
                var h = await LockActorsExtension.Get(other).Client.TryAcquireAsync(target, new LockOptions { Ttl = Ttl });
                if (h is null) { failures.Add($"round {round}"); } else { await h.ReleaseAsync(); }
                var calls = new[] { first };
                await Task.WhenAll(calls);
            }
            Assert.True(failures.Count == 0, "a ReleaseAsync/DisposeAsync returned while the lock was still held: " + string.Join(", ", failures));
        }
        finally
        {
            await other.Terminate();
            await mine.Terminate();
            dir.Delete(true);
        }
    }
}
