using System.Diagnostics;
using System.Text;
using Akka.Actor;
using Akka.Configuration;
using LockActors.Client;
using LockActors.Configuration;
using LockActors.Messages;
using LockActors.Storage;
using LockActors.TestServers.Files;
using Xunit;
using Xunit.Abstractions;

namespace LockActors.Tests.Safety;

/// <summary>
/// Rows of docs/bad-input.md that no older test covered exactly. Every case goes through the public API (the manager's
/// <c>Ask</c> and <see cref="LockClient"/>), asserts the typed error, asserts what was left untouched, and checks the
/// manager still serves others afterwards.
/// </summary>
public sealed class BadInputCatalogueTests(ITestOutputHelper output) : MemStoreSafetyTestKit("catalogue", output)
{
    private readonly string _root = Directory.CreateTempSubdirectory("lockactors-badinput-").FullName;
    private readonly SpecialFiles _specialFiles = new();

    private Task<LockReleased> Release(string target, string lockId) => Locks.Manager.Ask<LockReleased>(new Release(target, lockId), HangLimit);

    // ───────────────────────────── URIs ─────────────────────────────

    [Theory]
    [InlineData("data/in/a.csv")] // relative path
    [InlineData("/data/in/a.csv")] // absolute path, no scheme
    [InlineData("mailto:someone@example.com")] // a URI, but not a hierarchical one
    [InlineData("mem://ns/in/..%5cout/a.csv")] // encoded backslash traversal
    [InlineData("mem://ns/in/..\\out/a.csv")] // raw backslash traversal
    [InlineData("mem://ns/in/%2e%2e%2fout/a.csv")] // fully encoded ../
    [InlineData("mem://ns/in/a%00.csv")] // encoded NUL
    [InlineData("mem://ns/in/a\n.csv")] // raw LF (header injection on HTTP stores)
    [InlineData("mem://ns/in/a\r\nx-amz-acl: public-read")] // raw CR LF
    [InlineData("mem://ns/in/a\u007f.csv")] // DEL
    [InlineData("mem://ns/in/a.csv#frag")] // fragment
    [InlineData("mem://ns/")] // namespace root, no file
    [InlineData("mem:///a.csv")] // no namespace
    public async Task Bad_uris_are_InvalidLockTarget_everywhere_and_touch_nothing(string uri)
    {
        var before = Store.Count;
        await Assert.ThrowsAsync<InvalidLockTargetException>(() => Acquire(new Acquire(uri, Ttl)));
        await Assert.ThrowsAsync<InvalidLockTargetException>(() => Locks.Client.AcquireAsync(uri, new LockOptions { Ttl = Ttl }));
        await Assert.ThrowsAsync<InvalidLockTargetException>(() => Locks.Client.GetInfoAsync(uri));
        await Assert.ThrowsAsync<InvalidLockTargetException>(() => Release(uri, "any"));
        Assert.True(Store.Count <= before, "a sidecar was written for an invalid target");
        await StillServes();
    }

    [Fact]
    public async Task A_uri_longer_than_4096_characters_is_InvalidLockTarget()
    {
        var uri = "mem://ns/" + new string('a', 4096) + ".csv";
        var error = await Assert.ThrowsAsync<InvalidLockTargetException>(() => Acquire(new Acquire(uri, Ttl)));
        Assert.Contains("4096", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidLockTargetException>(() => Locks.Client.TryAcquireAsync(uri, new LockOptions { Ttl = Ttl }));
        await StillServes();
    }

    [Fact]
    public async Task A_null_target_is_an_ArgumentNullException_not_a_crash()
    {
        await Assert.ThrowsAsync<ArgumentNullException>(() => Acquire(new Acquire(null!, Ttl)));
        await Assert.ThrowsAsync<ArgumentNullException>(() => Locks.Client.AcquireAsync(null!, new LockOptions { Ttl = Ttl }));
        await Assert.ThrowsAsync<ArgumentNullException>(() => Locks.Client.GetInfoAsync(null!));
        await StillServes();
    }

    // ───────────────────────────── TTLs ─────────────────────────────

    [Fact]
    public async Task TimeSpan_MinValue_ttl_is_an_invalid_request()
    {
        var target = NewTarget();
        await Assert.ThrowsAsync<InvalidLockRequestException>(() => Acquire(new Acquire(target, TimeSpan.MinValue)));
        await Assert.ThrowsAsync<InvalidLockRequestException>(() => Locks.Client.AcquireAsync(target, new LockOptions { Ttl = TimeSpan.MinValue }));
        Assert.False((await Locks.Client.GetInfoAsync(target)).IsHeld);
    }

    /// <summary>
    /// A positive TTL below the sidecar's 1 ms resolution is a caller error. It must not be reported as a store outage,
    /// and must never put a sidecar on the store whose TTL reads back as 0 ("never stale").
    /// </summary>
    [Theory]
    [InlineData(1L)] // one tick
    [InlineData(5_000L)] // 0.5 ms
    public async Task A_ttl_below_one_millisecond_is_an_invalid_request(long ticks)
    {
        var target = NewTarget();
        var ttl = TimeSpan.FromTicks(ticks);
        var error = await Record.ExceptionAsync(() => Acquire(new Acquire(target, ttl)));
        if (error is null)
        {
            var raw = (await Store.ReadAsync(LockTarget.Parse(target).Sidecar))!.Content.ToArray();
            Assert.Fail($"a {ttl} TTL was granted; the sidecar written is {Encoding.UTF8.GetString(raw)}");
        }

        Assert.IsType<InvalidLockRequestException>(error);
        await Assert.ThrowsAsync<InvalidLockRequestException>(() => Locks.Client.TryAcquireAsync(target, new LockOptions { Ttl = ttl }));
        Assert.False((await Locks.Client.GetInfoAsync(target)).IsHeld);
    }

    // ───────────────────────────── waits ─────────────────────────────

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_zero_wait_on_a_held_lock_fails_at_once_with_LockAlreadyHeld(bool viaClient)
    {
        var target = NewTarget();
        await using var holder = await Locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, OwnerId = "holder" });
        var watch = Stopwatch.StartNew();
        var error = viaClient
            ? await Assert.ThrowsAsync<LockAlreadyHeldException>(() => Locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, AcquireTimeout = TimeSpan.Zero }))
            : await Assert.ThrowsAsync<LockAlreadyHeldException>(() => Acquire(new Acquire(target, Ttl) { WaitTimeout = TimeSpan.Zero }));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
        Assert.Equal("holder", error.Holder!.OwnerId);
        Assert.Equal(holder.LockId, (await Locks.Client.GetInfoAsync(target)).Metadata!.LockId);
    }

    [Theory]
    [InlineData("min", true)]
    [InlineData("min", false)]
    [InlineData("over-max", true)]
    [InlineData("over-max", false)]
    public async Task TimeSpan_MinValue_and_waits_beyond_MaxWait_are_invalid_requests(string which, bool viaClient)
    {
        var wait = which == "min" ? TimeSpan.MinValue : LockLimits.MaxWait + TimeSpan.FromMilliseconds(1);
        var target = NewTarget();
        if (viaClient)
        {
            await Assert.ThrowsAsync<InvalidLockRequestException>(() => Locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, AcquireTimeout = wait }));
        }
        else
        {
            await Assert.ThrowsAsync<InvalidLockRequestException>(() => Acquire(new Acquire(target, Ttl) { WaitTimeout = wait }));
        }

        Assert.False((await Locks.Client.GetInfoAsync(target)).IsHeld);
    }

    // ───────────────────────────── owner ids ─────────────────────────────

    [Fact]
    public async Task An_owner_id_of_exactly_MaxOwnerIdLength_is_granted_and_one_more_is_refused()
    {
        var target = NewTarget();
        var longest = new string('o', LockLimits.MaxOwnerIdLength);
        await Assert.ThrowsAsync<InvalidLockRequestException>(() => Acquire(new Acquire(target, Ttl) { OwnerId = longest + "o" }));
        await using var handle = await Locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, OwnerId = longest });
        Assert.Equal(longest, (await Locks.Client.GetInfoAsync(target)).Metadata!.OwnerId);
    }

    [Theory]
    [InlineData("nul\u0000owner")]
    [InlineData("del\u007fowner")]
    [InlineData("crlf\r\nowner")]
    [InlineData("c1\u0085owner")] // NEL, a C1 control
    public async Task Owner_ids_with_control_characters_are_invalid_requests(string owner)
    {
        var target = NewTarget();
        await Assert.ThrowsAsync<InvalidLockRequestException>(() => Acquire(new Acquire(target, Ttl) { OwnerId = owner }));
        await Assert.ThrowsAsync<InvalidLockRequestException>(() => Locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, OwnerId = owner }));
        Assert.False((await Locks.Client.GetInfoAsync(target)).IsHeld);
        await StillServes();
    }

    /// <summary>
    /// A lone surrogate is not text: it cannot be written as UTF-8. It must be refused up front, never written into a
    /// sidecar that every other process would then read as corrupt (and never take over under the default policy).
    /// </summary>
    [Fact]
    public async Task An_owner_id_that_is_not_valid_UTF16_is_an_invalid_request()
    {
        var target = NewTarget();
        const string owner = "half-\ud800-surrogate";
        var error = await Record.ExceptionAsync(() => Acquire(new Acquire(target, Ttl) { OwnerId = owner }));
        if (error is null)
        {
            var key = LockTarget.Parse(target).Sidecar;
            var raw = (await Store.ReadAsync(key))!.Content.ToArray();
            var readBack = Record.Exception(() => LockMetadataCodec.Decode(key, raw));
            Assert.Fail($"granted; the sidecar written is {Encoding.UTF8.GetString(raw)} and another process reads it as {readBack?.GetType().Name ?? "valid metadata"}");
        }

        Assert.IsType<InvalidLockRequestException>(error);
        await Assert.ThrowsAsync<InvalidLockRequestException>(() => Locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, OwnerId = owner }));
        Assert.False((await Locks.Client.GetInfoAsync(target)).IsHeld);
        await StillServes();
    }

    // ───────────────────────────── sidecar content ─────────────────────────────

    [Theory]
    [InlineData("empty")]
    [InlineData("whitespace")]
    [InlineData("empty-object")]
    [InlineData("json-null")]
    [InlineData("invalid-utf8")]
    [InlineData("binary")]
    public async Task Unreadable_sidecars_are_CorruptSidecar_for_every_request_and_left_untouched(string kind)
    {
        byte[] content = kind switch
        {
            "empty" => [],
            "whitespace" => " \n\t "u8.ToArray(),
            "empty-object" => "{}"u8.ToArray(),
            "json-null" => "null"u8.ToArray(),
            "invalid-utf8" => [.. "{\"v\":1,\"lockId\":\""u8, 0xC3, 0x28, .. "\",\"createdAt\":\"2026-01-01T00:00:00Z\",\"ttlMs\":1000}"u8],
            _ => [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00, 0xFF, 0xFE],
        };
        var target = NewTarget();
        var key = LockTarget.Parse(target).Sidecar;
        Store.WriteRaw(key, content);
        var version = (await Store.ReadAsync(key))!.Version;
        await Assert.ThrowsAsync<CorruptSidecarException>(() => Acquire(new Acquire(target, Ttl)));
        await Assert.ThrowsAsync<CorruptSidecarException>(() => Locks.Client.TryAcquireAsync(target, new LockOptions { Ttl = Ttl }));
        await Assert.ThrowsAsync<CorruptSidecarException>(() => Locks.Client.GetInfoAsync(target));
        await Assert.ThrowsAsync<LockNotHeldException>(() => Release(target, "x"));
        var after = await Store.ReadAsync(key);
        Assert.Equal(version, after!.Version);
        Assert.Equal(content, after.Content.ToArray());
        await StillServes();
    }

    // ───────────────────────────── releases ─────────────────────────────

    [Fact]
    public async Task Release_of_an_unknown_lock_id_on_a_free_target_is_LockNotHeld_and_writes_nothing()
    {
        var target = NewTarget();
        var error = await Assert.ThrowsAsync<LockNotHeldException>(() => Release(target, "never-granted"));
        Assert.Contains("not locked", error.Message, StringComparison.Ordinal);
        Assert.Null(await Store.ReadAsync(LockTarget.Parse(target).Sidecar));
        await StillServes();
    }

    [Fact]
    public async Task Release_of_the_same_grant_twice_is_LockNotHeld_the_second_time_and_spares_the_next_holder()
    {
        var target = NewTarget();
        var granted = await Acquire(new Acquire(target, Ttl));
        await Release(target, granted.LockId);
        await using var next = await Locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl });
        await Assert.ThrowsAsync<LockNotHeldException>(() => Release(target, granted.LockId));
        Assert.True(next.CheckLease());
        Assert.Equal(next.LockId, (await Locks.Client.GetInfoAsync(target)).Metadata!.LockId);
    }

    [Theory]
    [InlineData(false)] // free target
    [InlineData(true)] // held target
    public async Task Release_with_a_null_lock_id_is_a_typed_error_and_the_holder_is_untouched(bool held)
    {
        var target = NewTarget();
        await using var holder = held ? await Locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl }) : null;
        await Assert.ThrowsAnyAsync<LockException>(() => Release(target, null!));
        if (holder is not null)
        {
            Assert.True(holder.CheckLease());
            Assert.Equal(holder.LockId, (await Locks.Client.GetInfoAsync(target)).Metadata!.LockId);
        }

        // The target actor keeps answering: no restart lost anything.
        await using var other = await Locks.Client.AcquireAsync(NewTarget(), new LockOptions { Ttl = Ttl });
    }

    [Fact]
    public async Task Disposing_a_handle_twice_releases_once_and_spares_the_next_holder()
    {
        var target = NewTarget();
        var handle = await Locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl });
        await handle.DisposeAsync();
        var next = await Locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, AcquireTimeout = TimeSpan.Zero });
        await handle.DisposeAsync(); // no error, and no second release
        await handle.ReleaseAsync(); // already released: does nothing
        Assert.True(next.CheckLease());
        Assert.Equal(next.LockId, (await Locks.Client.GetInfoAsync(target)).Metadata!.LockId);
        await next.DisposeAsync();
        Assert.Equal(0, Locks.Client.HeldCount);
    }

    [Fact]
    public async Task Release_and_dispose_after_the_lock_was_lost_leave_the_new_holder_alone()
    {
        var target = NewTarget();
        var handle = await Locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl });
        var key = LockTarget.Parse(target).Sidecar;
        var thief = Encoding.UTF8.GetBytes(SidecarJson.Of("thief", ttlMs: 60000, handle.FencingToken + 1, ownerId: "thief", hostname: null, pid: null, createdAt: $"{DateTimeOffset.UtcNow:O}"));
        Store.WriteRaw(key, thief);
        var lost = new TaskCompletionSource();
        handle.HandleLost.Register(() => lost.TrySetResult());
        await lost.Task.WaitAsync(Ttl * 2);
        await Assert.ThrowsAsync<LockNotHeldException>(() => handle.ReleaseAsync());
        await handle.DisposeAsync();
        await handle.DisposeAsync();
        Assert.Equal(thief, (await Store.ReadAsync(key))!.Content.ToArray());
    }

    [Fact]
    public async Task Dispose_after_the_target_actor_stopped_is_quiet_and_prompt()
    {
        var target = NewTarget();
        var handle = await Locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl });
        var child = await LockActors.Actors.LockManager.ChildOf(Locks.Manager, target, HangLimit);
        Sys.Stop(child);
        var lost = new TaskCompletionSource();
        handle.HandleLost.Register(() => lost.TrySetResult());
        await lost.Task.WaitAsync(HangLimit);
        var watch = Stopwatch.StartNew();
        await handle.DisposeAsync().AsTask().WaitAsync(HangLimit);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"dispose took {watch.Elapsed}");
        Assert.False(handle.CheckLease());
        // The sidecar a stopped actor no longer renews is removed by the dispose (its release is honoured by the sidecar) or goes stale.
        await using var next = await Locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl, AcquireTimeout = Ttl * 3 });
    }

    [Fact]
    public async Task A_request_racing_the_stop_of_its_target_actor_is_answered_not_lost()
    {
        // The request reaches the manager before the stopped child's Terminated: it must be routed again, not dropped.
        for (var i = 0; i < 20; i++)
        {
            var target = NewTarget();
            await (await Locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl })).DisposeAsync();
            var child = await LockActors.Actors.LockManager.ChildOf(Locks.Manager, target, HangLimit);
            Sys.Stop(child);
            await using var again = await Locks.Client.AcquireAsync(target, new LockOptions { Ttl = Ttl }).WaitAsync(TimeSpan.FromSeconds(5));
        }
    }

    [Fact]
    public async Task Dispose_after_the_actor_system_terminated_does_not_throw()
    {
        var system = ActorSystem.Create("terminated-" + Guid.NewGuid().ToString("N")[..6],
            ConfigurationFactory.ParseString("lock-actors.store-operation-timeout = 1s").WithFallback(LockActorsSettings.ReferenceConfig));
        var client = LockActorsExtension.Get(system).Client;
        var handle = await client.AcquireAsync(NewTarget(), new LockOptions { Ttl = Ttl });
        await system.Terminate().WaitAsync(HangLimit);
        await Task.Delay(Timeout.Infinite, handle.HandleLost).WaitAsync(HangLimit).ContinueWith(_ => { }); // fired from the thread pool
        Assert.True(handle.HandleLost.IsCancellationRequested, "the lock actor stopped with the system, yet HandleLost did not fire");
        var watch = Stopwatch.StartNew();
        await handle.DisposeAsync().AsTask().WaitAsync(HangLimit);
        Output.WriteLine($"dispose after termination took {watch.Elapsed.TotalMilliseconds:F0} ms");
        Assert.False(handle.CheckLease());
    }

    // ───────────────────────────── special files (file://) ─────────────────────────────

    [Theory]
    [MemberData(nameof(SpecialFiles.Kinds), MemberType = typeof(SpecialFiles))]
    public async Task A_sidecar_that_is_not_a_regular_file_is_refused_by_every_request_and_never_taken_over(SpecialFile kind)
    {
        var target = new Uri(Path.Combine(_root, $"{kind}.csv")).AbsoluteUri;
        var sidecar = LockTarget.Parse(target).Sidecar.Path;
        Assert.True(_specialFiles.Plant(kind, sidecar), $"could not create the {kind} (mknod needs CAP_MKNOD)");
        var before = Describe(sidecar);
        var takeAnything = new LockOptions { Ttl = Ttl, OnStale = StalePolicy.TakeOverIncludingCorrupt };

        await Assert.ThrowsAsync<SidecarNotRegularFileException>(() => Acquire(new Acquire(target, Ttl)).WaitAsync(HangLimit));
        await Assert.ThrowsAsync<SidecarNotRegularFileException>(() => Locks.Client.TryAcquireAsync(target, takeAnything).WaitAsync(HangLimit));
        await Assert.ThrowsAsync<SidecarNotRegularFileException>(() => Locks.Client.AcquireAsync(target, takeAnything with { AcquireTimeout = TimeSpan.FromMilliseconds(300) }).WaitAsync(HangLimit));
        await Assert.ThrowsAsync<SidecarNotRegularFileException>(() => Locks.Client.GetInfoAsync(target).WaitAsync(HangLimit));
        await Assert.ThrowsAsync<SidecarNotRegularFileException>(() => Release(target, "x").WaitAsync(HangLimit));

        Assert.Equal(before, Describe(sidecar));
        await StillServes();
    }

    [Fact]
    public async Task A_file_name_whose_sidecar_exceeds_NAME_MAX_is_InvalidLockTarget_through_the_actor()
    {
        var target = new Uri(Path.Combine(_root, new string('n', 256 - SidecarLimits.Suffix.Length))).AbsoluteUri;
        Assert.Equal(256, Encoding.UTF8.GetByteCount(Path.GetFileName(LockTarget.Parse(target).Sidecar.Path)));
        await Assert.ThrowsAsync<InvalidLockTargetException>(() => Acquire(new Acquire(target, Ttl)));
        await Assert.ThrowsAsync<InvalidLockTargetException>(() => Locks.Client.GetInfoAsync(target));
        Assert.Empty(Directory.GetFileSystemEntries(_root));
        await StillServes();
    }

    protected override void AfterAll()
    {
        base.AfterAll();
        _specialFiles.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    private static string Describe(string path)
    {
        var info = new FileInfo(path);
        var target = info.LinkTarget;
        var elsewhere = Path.Combine(Path.GetDirectoryName(path)!, "elsewhere.lock");
        return $"{info.Attributes}/{(info.Exists ? info.Length : -1)}/{info.LastWriteTimeUtc.Ticks}/{target}/{(File.Exists(elsewhere) ? File.ReadAllText(elsewhere) : string.Empty)}";
    }
}
