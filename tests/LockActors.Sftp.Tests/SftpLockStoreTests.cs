using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using LockActors.Sftp;
using LockActors.TestServers.Sftp;
using Renci.SshNet;
using Xunit;
using Xunit.Abstractions;

namespace LockActors.Sftp.Tests;

/// <summary>SFTP-specific behaviour against the shared throwaway sshd: authentication, host keys, faults, guards, costs.</summary>
public sealed class SftpLockStoreTests(ITestOutputHelper output) : IDisposable
{
    private static readonly Lazy<SftpClient> SharedRaw = new(() => SftpTestServer.Shared.RawClient());
    private readonly SftpTestServer _server = SftpTestServer.Shared;
    private readonly List<SftpLockStore> _stores = [];

    private SftpClient Raw => SharedRaw.Value;

    private static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    private SftpLockStore NewStore(SftpStoreSettings settings)
    {
        var store = new SftpLockStore(settings);
        _stores.Add(store);
        return store;
    }

    private SidecarKey NewKey(SftpTestServer? server = null, SftpClient? raw = null)
    {
        server ??= _server;
        var dir = server.Root + "/specific-" + Guid.NewGuid().ToString("N");
        (raw ?? Raw).CreateDirectory(dir);
        return LockTarget.Parse(server.UriOf(dir + "/target.csv")).Sidecar;
    }

    [Fact]
    public async Task Unauthorized_client_key_is_access_denied_and_claims_nothing()
    {
        var key = NewKey();
        var store = NewStore(_server.Settings(SftpCredentials.FromKeyFile(_server.Var("LOCKACTORS_SFTP_KEY_UNAUTHORIZED"))));
        await Assert.ThrowsAsync<StoreAccessDeniedException>(() => store.TryCreateAsync(key, Bytes("x")));
        Assert.False(Raw.Exists(key.Path));
    }

    [Fact]
    public async Task Wrong_password_is_access_denied()
    {
        var store = NewStore(_server.Settings(SftpCredentials.FromPassword("not-the-password")));
        await Assert.ThrowsAsync<StoreAccessDeniedException>(() => store.ReadAsync(NewKey()));
    }

    [Fact]
    public async Task Wrong_passphrase_of_a_protected_key_is_access_denied()
    {
        var store = NewStore(_server.Settings(SftpCredentials.FromKeyFile(_server.Var("LOCKACTORS_SFTP_KEY_PROTECTED"), "wrong passphrase")));
        await Assert.ThrowsAsync<StoreAccessDeniedException>(() => store.ReadAsync(NewKey()));
    }

    public static TheoryData<string> AuthenticationMethods => ["ed25519-file", "rsa-file", "ecdsa-file", "ed25519-text", "protected-key", "password"];

    [Theory]
    [MemberData(nameof(AuthenticationMethods))]
    public async Task Every_supported_authentication_method_can_lock(string method)
    {
        var credentials = method switch
        {
            "ed25519-file" => SftpCredentials.FromKeyFile(_server.KeyPath),
            "rsa-file" => SftpCredentials.FromKeyFile(_server.Var("LOCKACTORS_SFTP_KEY_RSA")),
            "ecdsa-file" => SftpCredentials.FromKeyFile(_server.Var("LOCKACTORS_SFTP_KEY_ECDSA")),
            "ed25519-text" => SftpCredentials.FromKeyText(await File.ReadAllTextAsync(_server.KeyPath)),
            "protected-key" => SftpCredentials.FromKeyFile(_server.Var("LOCKACTORS_SFTP_KEY_PROTECTED"), _server.Secret("LOCKACTORS_SFTP_KEY_PASSPHRASE_FILE")),
            "password" => SftpCredentials.FromPassword(_server.Secret("LOCKACTORS_SFTP_PASSWORD_FILE")),
            _ => throw new ArgumentOutOfRangeException(nameof(method)),
        };
        var store = NewStore(_server.Settings(credentials));
        var key = NewKey();
        var version = await store.TryCreateAsync(key, Bytes(method));
        Assert.NotNull(version);
        Assert.True(await store.TryDeleteAsync(key, version.Value));
    }

    [Fact]
    public async Task Mismatched_host_key_is_refused_with_access_denied()
    {
        var store = NewStore(_server.Settings().WithHostKeySha256("SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
        var key = NewKey();
        var error = await Assert.ThrowsAsync<StoreAccessDeniedException>(() => store.TryCreateAsync(key, Bytes("x")));
        Assert.Contains("host key", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.False(Raw.Exists(key.Path));
    }

    [Fact]
    public async Task No_pinned_host_key_is_refused_unless_explicitly_insecure()
    {
        var unpinned = SftpStoreSettings.Default.WithCredentials(SftpCredentials.FromKeyFile(_server.KeyPath));
        var key = NewKey();
        await Assert.ThrowsAsync<StoreAccessDeniedException>(() => NewStore(unpinned).TryCreateAsync(key, Bytes("x")));
        Assert.NotNull(await NewStore(unpinned.WithAcceptAnyHostKeyInsecure()).TryCreateAsync(key, Bytes("x")));
    }

    [Fact]
    public async Task Pinned_fingerprint_is_accepted_in_ssh_keygen_spelling()
    {
        var store = NewStore(_server.Settings().WithHostKeySha256("SHA256:" + _server.HostKeySha256 + "="));
        Assert.Null(await store.ReadAsync(NewKey()));
    }

    [Fact]
    public async Task Server_down_is_unavailable_quickly_and_claims_nothing()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var closedPort = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var store = NewStore(_server.Settings().WithTimeouts(connect: TimeSpan.FromSeconds(2), operation: TimeSpan.FromSeconds(2)));
        var key = LockTarget.Parse($"sftp://{_server.User}@127.0.0.1:{closedPort}{_server.Root}/down/x.csv").Sidecar;
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.TryCreateAsync(key, Bytes("x")));
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.ReadAsync(key));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Missing_directory_is_location_not_found_for_create_and_replace_and_false_for_delete()
    {
        var store = NewStore(_server.Settings());
        var key = LockTarget.Parse(_server.UriOf(_server.Root + "/no-such-dir-" + Guid.NewGuid().ToString("N") + "/x.csv")).Sidecar;
        await Assert.ThrowsAsync<StoreLocationNotFoundException>(() => store.TryCreateAsync(key, Bytes("x")));
        await Assert.ThrowsAsync<StoreLocationNotFoundException>(() => store.TryReplaceAsync(key, Bytes("x"), new SidecarVersion("v")));
        Assert.False(await store.TryDeleteAsync(key, new SidecarVersion("v")));
        Assert.Null(await store.ReadAsync(key));
    }

    [Fact]
    public async Task Password_in_the_uri_is_rejected()
    {
        var store = NewStore(_server.Settings());
        var key = LockTarget.Parse($"sftp://{_server.User}:secret@{_server.Host}:{_server.Port}{_server.Root}/x.csv").Sidecar;
        await Assert.ThrowsAsync<InvalidLockTargetException>(() => store.ReadAsync(key));
    }

    [Fact]
    public async Task Abandoned_guard_is_broken_once_stale_on_the_server_clock()
    {
        var store = NewStore(_server.Settings().WithGuard(staleAfter: TimeSpan.FromSeconds(2), checkAndWriteTimeout: TimeSpan.FromSeconds(10)));
        var key = NewKey();
        var v1 = (await store.TryCreateAsync(key, Bytes("one")))!.Value;
        Raw.WriteAllBytes(key.Path + ".cas", []); // a writer that crashed mid check-and-write
        var clock = Stopwatch.StartNew();
        var v2 = await store.TryReplaceAsync(key, Bytes("two"), v1);
        Assert.NotNull(v2);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(2), $"broke a fresh guard after {clock.Elapsed}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"took {clock.Elapsed}");
        Assert.Equal(1, store.GuardsBroken);
        Assert.False(Raw.Exists(key.Path + ".cas"));
        Assert.DoesNotContain(Raw.ListDirectory(key.Path[..key.Path.LastIndexOf('/')]), f => f.Name.EndsWith(".broken", StringComparison.Ordinal) || f.Name.EndsWith(".tmp", StringComparison.Ordinal));
        Assert.True(await store.TryDeleteAsync(key, v2.Value));
    }

    [Fact]
    public async Task With_default_settings_a_guard_abandoned_just_now_is_broken_within_one_call()
    {
        var store = NewStore(_server.Settings());
        var key = NewKey();
        var v1 = (await store.TryCreateAsync(key, Bytes("one")))!.Value;
        Raw.WriteAllBytes(key.Path + ".cas", []); // a holder killed mid-heartbeat
        var clock = Stopwatch.StartNew();
        Assert.NotNull(await store.TryReplaceAsync(key, Bytes("taken over"), v1));
        output.WriteLine($"broke a fresh abandoned guard after {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.True(clock.Elapsed < SftpStoreSettings.Default.CheckAndWriteTimeout);
        Assert.Equal(1, store.GuardsBroken);
    }

    [Fact]
    public async Task Live_guard_is_never_broken_and_the_writer_gives_up_with_unavailable()
    {
        var store = NewStore(_server.Settings().WithGuard(staleAfter: TimeSpan.FromSeconds(30), checkAndWriteTimeout: TimeSpan.FromSeconds(1)));
        var key = NewKey();
        var v1 = (await store.TryCreateAsync(key, Bytes("one")))!.Value;
        Raw.WriteAllBytes(key.Path + ".cas", []);
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.TryDeleteAsync(key, v1));
        Assert.True(Raw.Exists(key.Path + ".cas"));
        Assert.Equal(0, store.GuardsBroken);
        Raw.DeleteFile(key.Path + ".cas");
        Assert.Equal(v1, (await store.ReadAsync(key))!.Version);
    }

    [Fact]
    public async Task Racing_breakers_break_an_abandoned_guard_once_and_keep_exactly_one_winner()
    {
        var store = NewStore(_server.Settings().WithGuard(staleAfter: TimeSpan.FromSeconds(3), checkAndWriteTimeout: TimeSpan.FromSeconds(20)));
        var other = NewStore(_server.Settings().WithGuard(staleAfter: TimeSpan.FromSeconds(3), checkAndWriteTimeout: TimeSpan.FromSeconds(20)));
        var key = NewKey();
        var v1 = (await store.TryCreateAsync(key, Bytes("base")))!.Value;
        Raw.WriteAllBytes(key.Path + ".cas", []);
        Raw.SetLastWriteTimeUtc(key.Path + ".cas", DateTime.UtcNow.AddMinutes(-5));
        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i =>
            (i % 2 == 0 ? store : other).TryReplaceAsync(key, Bytes($"racer-{i}"), v1)));
        Assert.Single(results, r => r is not null);
        // Normally exactly 1; a racer stalled past its hold budget on a loaded machine leaves its guard to be broken too.
        output.WriteLine($"guards broken: {store.GuardsBroken + other.GuardsBroken}");
        Assert.InRange(store.GuardsBroken + other.GuardsBroken, 1, 16);
    }

    [Fact]
    public async Task Break_token_left_by_a_crashed_breaker_is_itself_broken_once_stale()
    {
        var store = NewStore(_server.Settings().WithGuard(staleAfter: TimeSpan.FromSeconds(1), checkAndWriteTimeout: TimeSpan.FromSeconds(20)));
        var key = NewKey();
        var v1 = (await store.TryCreateAsync(key, Bytes("base")))!.Value;
        var old = DateTime.UtcNow.AddMinutes(-5);
        old = old.AddTicks(-(old.Ticks % TimeSpan.TicksPerSecond));
        var guard = key.Path + ".cas";
        var dir = key.Path[..key.Path.LastIndexOf('/')];
        var token = $"{dir}/.{guard[(guard.LastIndexOf('/') + 1)..]}.{new DateTimeOffset(old).ToUnixTimeSeconds()}.break";
        Raw.WriteAllBytes(guard, []);
        Raw.SetLastWriteTimeUtc(guard, old);
        Raw.WriteAllBytes(token, []); // a breaker died between taking the token and removing the guard
        Raw.SetLastWriteTimeUtc(token, old);

        Assert.NotNull(await store.TryReplaceAsync(key, Bytes("after"), v1));
        Assert.Equal(1, store.GuardsBroken);
        Assert.False(Raw.Exists(guard));
        Assert.False(Raw.Exists(token));
    }

    [Fact]
    public async Task Dropped_connection_is_replaced_transparently()
    {
        var store = NewStore(_server.Settings());
        var key = NewKey();
        var v1 = (await store.TryCreateAsync(key, Bytes("one")))!.Value;
        var client = await store.ClientForAsync(key);
        client.Disconnect(); // what a dead link looks like to the pool: the client is no longer connected
        var v2 = await store.TryReplaceAsync(key, Bytes("two"), v1);
        Assert.NotNull(v2);
        client.Dispose();
        Assert.True(await store.TryDeleteAsync(key, v2.Value));
        Assert.Equal(2, store.ConnectCount);
    }

    [Fact]
    public async Task Session_killed_on_the_server_is_reconnected_and_a_restarted_server_is_used_again()
    {
        var stateDir = Path.Combine(Path.GetTempPath(), "lockactors-sftp-reconnect-" + Guid.NewGuid().ToString("N")[..8]);
        var server = await SftpTestServer.StartPrivateAsync(stateDir);
        try
        {
            var store = NewStore(server.Settings().WithTimeouts(connect: TimeSpan.FromSeconds(2), operation: TimeSpan.FromSeconds(2)));
            SidecarKey key;
            using (var raw = server.RawClient())
            {
                key = NewKey(server, raw);
            }

            var v1 = (await store.TryCreateAsync(key, Bytes("one")))!.Value;
            foreach (var pid in server.SessionProcesses())
            {
                try
                {
                    Process.GetProcessById(pid).Kill(); // the per-connection sshd dies; the listener stays
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException)
                {
                    // Already gone: one of the safety probe's short-lived racing connections closing.
                }
            }

            var v2 = await store.TryReplaceAsync(key, Bytes("two"), v1);
            Assert.NotNull(v2);
            Assert.Equal(2, store.ConnectCount);

            server.KillPrivate();
            var clock = Stopwatch.StartNew();
            await Assert.ThrowsAsync<StoreUnavailableException>(() => store.ReadAsync(key));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");

            server = await SftpTestServer.StartPrivateAsync(stateDir);
            Assert.Equal(v2, (await store.ReadAsync(key))!.Version);
            Assert.True(await store.TryDeleteAsync(key, v2.Value));
        }
        finally
        {
            await server.StopAsync();
            Directory.Delete(stateDir, recursive: true);
        }
    }

    [Fact]
    public async Task Dispose_closes_the_pooled_connections()
    {
        var store = new SftpLockStore(_server.Settings());
        var key = NewKey();
        await store.TryCreateAsync(key, Bytes("x"));
        var client = await store.ClientForAsync(key);
        Assert.True(client.IsConnected);
        await store.DisposeAsync();
        bool stillConnected;
        try
        {
            stillConnected = client.IsConnected;
        }
        catch (ObjectDisposedException)
        {
            stillConnected = false;
        }

        Assert.False(stillConnected);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.ReadAsync(key));
    }

    [Fact]
    public async Task Server_is_probed_once_for_exclusive_create_and_non_overwriting_rename_and_leaves_no_litter()
    {
        var store = NewStore(_server.Settings());
        var key = NewKey();
        var v = (await store.TryCreateAsync(key, Bytes("one")))!.Value;
        Assert.NotNull(await store.TryCreateAsync(NewKey(), Bytes("two")));
        Assert.NotNull(await store.TryReplaceAsync(key, Bytes("three"), v));
        Assert.Equal(1, store.ServerProbes);
        Assert.DoesNotContain(Raw.ListDirectory(key.Path[..key.Path.LastIndexOf('/')]), f => f.Name.Contains(".probe", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Operations_share_one_pooled_connection_per_endpoint()
    {
        var store = NewStore(_server.Settings());
        var keys = Enumerable.Range(0, 20).Select(_ => NewKey()).ToArray();
        await Task.WhenAll(keys.Select(k => store.TryCreateAsync(k, Bytes("x"))));
        Assert.Equal(1, store.ConnectCount);
    }

    [Fact]
    public async Task Connections_per_server_spreads_operations_over_that_many_connections()
    {
        var store = NewStore(_server.Settings().WithConnectionsPerServer(3));
        var keys = Enumerable.Range(0, 12).Select(_ => NewKey()).ToArray();
        var versions = await Task.WhenAll(keys.Select(k => store.TryCreateAsync(k, Bytes("x"))));
        Assert.All(versions, v => Assert.NotNull(v));
        var released = await Task.WhenAll(keys.Zip(versions, (k, v) => store.TryDeleteAsync(k, v!.Value)));
        Assert.All(released, Assert.True);
        Assert.Equal(3, store.ConnectCount); // the pooled ones; the first write's safety probe opens its own, uncounted
        Assert.All(keys, k => Assert.False(Raw.Exists(k.Path)));
    }

    [Fact]
    public async Task Store_times_come_from_the_server_clock_in_whole_seconds()
    {
        var store = NewStore(_server.Settings());
        var key = NewKey();
        await store.TryCreateAsync(key, Bytes("x"));
        var read = (await store.ReadAsync(key))!;
        Assert.Equal(0, read.ModifiedAt.Ticks % TimeSpan.TicksPerSecond);
        var localNow = DateTimeOffset.UtcNow; // same machine: the estimate must land near it
        Assert.InRange((read.StoreNow - localNow).Duration(), TimeSpan.Zero, TimeSpan.FromSeconds(2));
        Assert.Equal(StoreClock.Server, store.Capabilities.Clock);
        Assert.Equal(TimeSpan.FromSeconds(1), store.Capabilities.ClockResolution);
    }

    [Fact]
    public async Task Uncontended_operations_cost_the_documented_number_of_requests()
    {
        var store = NewStore(_server.Settings());
        var key = NewKey();
        var warmUp = NewKey(); // connect, clock estimate and server probe out of the way
        var firstWrite = Stopwatch.StartNew();
        var warm = (await store.TryCreateAsync(warmUp, Bytes("warm")))!.Value;
        output.WriteLine($"first write (connect + safety probe racing 3 connections + create): {firstWrite.Elapsed.TotalMilliseconds:0} ms");
        Assert.True(await store.TryDeleteAsync(warmUp, warm));
        Assert.Equal(1, store.ServerProbes);

        var before = (store.Requests.Total, store.RoundTrips.Total);
        var v1 = (await store.TryCreateAsync(key, Bytes("one")))!.Value;
        var create = (store.Requests.Total - before.Item1, store.RoundTrips.Total - before.Item2);

        before = (store.Requests.Total, store.RoundTrips.Total);
        var v2 = (await store.TryReplaceAsync(key, Bytes("two"), v1))!.Value;
        var replace = (store.Requests.Total - before.Item1, store.RoundTrips.Total - before.Item2);

        before = (store.Requests.Total, store.RoundTrips.Total);
        await store.ReadAsync(key);
        var read = (store.Requests.Total - before.Item1, store.RoundTrips.Total - before.Item2);

        before = (store.Requests.Total, store.RoundTrips.Total);
        Assert.True(await store.TryDeleteAsync(key, v2));
        var delete = (store.Requests.Total - before.Item1, store.RoundTrips.Total - before.Item2);

        output.WriteLine($"SFTP requests [round trips]: create {create}, replace (heartbeat) {replace}, read {read}, delete (release) {delete}");
        Assert.True(SftpWire.IsAvailable, "SSH.NET's internal session API moved; the store would refuse to start");
        // Under the guard on OpenSSH (in-order) the LSTAT sent with the guard's OPEN replaces the read's FSTAT: 13 -> 12, 9 -> 8.
        Assert.Equal((5, 12, 5, 8), (create.Item1, replace.Item1, read.Item1, delete.Item1));

        // Round trips: requests sent together share one. Create: OPEN; WRITE + FSTAT + CLOSE; RENAME. Read: LSTAT; OPEN;
        // FSTAT + READ; CLOSE. Release (OpenSSH): guard OPEN + LSTAT; sidecar OPEN (with the guard's CLOSE when that
        // is still unanswered); READ; REMOVE + CLOSE + guard REMOVE (was 6). Renewal: temp OPEN + guard OPEN + LSTAT;
        // temp WRITE + FSTAT + CLOSE; sidecar OPEN; READ; CLOSE + posix-rename; guard REMOVE (was 8).
        // The pipelined figures (3, 4, 3-4, 3-6) are what runs show, not a floor: the counter starts a round trip when a
        // request goes out while none of the operation's requests awaits its answer, so how many share one depends on
        // timing (a loaded CI machine measured create at 5, a quiet one renewal at 3). Only what holds on every schedule
        // is asserted: at least one, at most one per request. The request counts above are the exact, documented figures.
        Assert.InRange(create.Item2, 1, create.Item1);
        Assert.InRange(read.Item2, 1, read.Item1);
        Assert.InRange(delete.Item2, 1, delete.Item1);
        Assert.InRange(replace.Item2, 1, replace.Item1);

        var samples = new List<double>();
        var iterations = int.TryParse(Environment.GetEnvironmentVariable("LOCKACTORS_SFTP_BENCH_ITERATIONS"), out var n) ? n : 200;
        for (var i = 0; i < iterations; i++)
        {
            var clock = Stopwatch.StartNew();
            var v = (await store.TryCreateAsync(key, Bytes("bench")))!.Value;
            Assert.True(await store.TryDeleteAsync(key, v));
            samples.Add(clock.Elapsed.TotalMilliseconds);
        }

        if (samples.Count == 0)
        {
            return;
        }

        samples.Sort();
        output.WriteLine($"TryCreate+TryDelete over {iterations} iterations on loopback: median {samples[samples.Count / 2]:0.00} ms, " +
                         $"p90 {samples[samples.Count * 9 / 10]:0.00} ms");
    }

    public void Dispose()
    {
        foreach (var store in _stores)
        {
            store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
