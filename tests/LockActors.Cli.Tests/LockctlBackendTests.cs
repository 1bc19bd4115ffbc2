using System.Text.Json;
using LockActors.Storage;
using Xunit;

namespace LockActors.Cli.Tests;

/// <summary>
/// Every lockctl command against one backend, through the built tool: each subclass says how the tool reaches the
/// store (flags, environment, a --config file) and where fresh targets live.
/// </summary>
public abstract class LockctlBackendTests
{
    /// <summary>The lease of locks lockctl acquires: long enough for renewals on a busy machine (the holder renews every TTL / 3).</summary>
    protected virtual string Ttl => "10s";

    private const long PlantedToken = 777;

    /// <summary>Options that point lockctl at the store (placed after the sub-command).</summary>
    protected abstract IReadOnlyList<string> StoreArgs { get; }

    /// <summary>Environment variables for lockctl.</summary>
    protected virtual IReadOnlyDictionary<string, string> StoreEnv => new Dictionary<string, string>();

    /// <summary>A target URI in a fresh folder that exists; the folder's prefix URI ends with '/'.</summary>
    protected abstract string NewTargetUri(string name);

    /// <summary>A store on the same backend, in this process (to plant sidecars written by "another host").</summary>
    protected abstract ILockStore NewStore();

    /// <summary>Writes a sidecar as a holder on another host would (owner batch-7/4242, token 777), created now.</summary>
    private async Task PlantAsync(string uri, TimeSpan ttl)
    {
        var now = DateTimeOffset.UtcNow;
        var metadata = new LockMetadata("planted-" + Guid.NewGuid().ToString("N"), "batch-7/4242", "worker-7", 4242, now, now, ttl, PlantedToken);
        await using var store = NewStore();
        Assert.NotNull(await store.TryCreateAsync(LockTarget.Parse(uri).Sidecar, LockMetadataCodec.Encode(metadata)));
    }

    private Task<LockctlResult> RunAsync(string[] args, string? stdin = null) => Lockctl.RunAsync(WithStore(args), stdin, StoreEnv);

    private LockctlProcess Start(params string[] args) => Lockctl.Start(WithStore(args), null, StoreEnv);

    // Right after the sub-command: acquire's own command follows "--" at the end.
    private IEnumerable<string> WithStore(string[] args) => args.Take(1).Concat(StoreArgs).Concat(args.Skip(1));

    private static string FolderOf(string uri) => uri[..(uri.LastIndexOf('/') + 1)];

    private static JsonElement Json(LockctlResult result)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonDocument.Parse(result.Stdout).RootElement;
    }

    private async Task<JsonElement> WaitForStatusAsync(string uri, string status, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var info = Json(await RunAsync(["info", uri, "--json"]));
            if (info.GetProperty("status").GetString() == status || DateTime.UtcNow > deadline)
            {
                Assert.Equal(status, info.GetProperty("status").GetString());
                return info;
            }

            await Task.Delay(500);
        }
    }

    [Fact]
    public async Task Acquire_runs_the_command_under_the_lock_passes_its_exit_code_and_releases()
    {
        var uri = NewTargetUri("job.csv");
        var run = await RunAsync(["acquire", uri, "--ttl", Ttl, "--", "sh", "-c", "echo token=$LOCKCTL_FENCING_TOKEN target=$LOCKCTL_TARGET; exit 7"]);

        Assert.True(run.ExitCode == 7, run.ToString());
        Assert.Matches("token=[0-9]+ target=" + System.Text.RegularExpressions.Regex.Escape(uri), run.Stdout);
        Assert.Equal("free", (await WaitForStatusAsync(uri, "free", TimeSpan.Zero)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Info_list_and_break_show_and_refuse_a_live_lock_until_forced_and_confirmed()
    {
        var uri = NewTargetUri("live.csv");
        await PlantAsync(uri, TimeSpan.FromHours(1));

        var info = Json(await RunAsync(["info", uri, "--json"]));
        Assert.Equal("held", info.GetProperty("status").GetString());
        Assert.False(info.GetProperty("stale").GetBoolean());
        Assert.Equal("batch-7/4242", info.GetProperty("owner").GetString());
        Assert.Equal("worker-7", info.GetProperty("host").GetString());
        Assert.Equal(4242, info.GetProperty("pid").GetInt32());
        Assert.Equal(3600, info.GetProperty("ttlSeconds").GetDouble());
        Assert.Equal(PlantedToken, info.GetProperty("fencingToken").GetInt64());
        var text = await RunAsync(["info", uri]);
        Assert.Contains("owner      batch-7/4242", text.Stdout, StringComparison.Ordinal);

        var list = Json(await RunAsync(["list", FolderOf(uri), "--json"]));
        Assert.Equal(uri, Assert.Single(list.EnumerateArray()).GetProperty("target").GetString());
        var table = await RunAsync(["list", FolderOf(uri)]);
        Assert.StartsWith("STATUS", table.Stdout, StringComparison.Ordinal);
        Assert.Contains(uri, table.Stdout, StringComparison.Ordinal);

        var refused = await RunAsync(["break", uri]);
        Assert.True(refused.ExitCode == 3, refused.ToString());
        Assert.Contains("not stale", refused.Stderr, StringComparison.Ordinal);
        Assert.Single(refused.Stderr.Trim().Split('\n')); // one line, no stack trace

        var unconfirmed = await RunAsync(["break", uri, "--force"]);
        Assert.True(unconfirmed.ExitCode == 3, unconfirmed.ToString());
        Assert.Contains("not confirmed", unconfirmed.Stderr, StringComparison.Ordinal);

        var broken = await RunAsync(["break", uri, "--force"], stdin: "y\n");
        Assert.True(broken.ExitCode == 0, broken.ToString());
        Assert.Contains("broke held lock on " + uri, broken.Stdout, StringComparison.Ordinal);
        Assert.Contains("fencing token " + PlantedToken, broken.Stdout, StringComparison.Ordinal);
        await WaitForStatusAsync(uri, "free", TimeSpan.Zero);
    }

    [Fact]
    public async Task Abandoned_lock_goes_stale_on_the_store_clock_and_break_removes_it_by_default()
    {
        var uri = NewTargetUri("abandoned.csv");
        await PlantAsync(uri, TimeSpan.FromSeconds(1));
        await Task.Delay(2600); // TTL + the store's clock resolution (1 s at most) + stale-grace (0.5 s)

        var stale = await WaitForStatusAsync(uri, "stale", TimeSpan.FromSeconds(10));
        Assert.True(stale.GetProperty("stale").GetBoolean());
        Assert.True(stale.GetProperty("ageSeconds").GetDouble() > stale.GetProperty("staleAfterSeconds").GetDouble());

        var broken = await RunAsync(["break", uri]);
        Assert.True(broken.ExitCode == 0, broken.ToString());
        Assert.Contains("broke stale lock on " + uri, broken.Stdout, StringComparison.Ordinal);
        Assert.Equal("[]", Json(await RunAsync(["list", FolderOf(uri), "--json"])).GetRawText());
    }

    [Fact]
    public async Task A_forced_break_makes_acquire_kill_its_command_and_exit_5()
    {
        var uri = NewTargetUri("killed.csv");
        using var holder = Start("acquire", uri, "--ttl", Ttl, "--", "sleep", "60");
        await WaitForStatusAsync(uri, "held", TimeSpan.FromSeconds(30));

        var broken = await RunAsync(["break", uri, "--force", "--yes"]);
        Assert.True(broken.ExitCode == 0, broken.ToString());

        var lost = await holder.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(lost.ExitCode == 5, lost.ToString());
        Assert.Contains("lost the lock", lost.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_prints_a_line_per_change_and_exits_after_count()
    {
        var uri = NewTargetUri("watched.csv");
        using var watch = Start("watch", FolderOf(uri), "--interval", "200ms", "--count", "2");
        await Task.Delay(1500); // the watcher's first read sees nothing
        var run = await RunAsync(["acquire", uri, "--ttl", "30s", "--", "sleep", "1"]); // no renewal (every 10 s) within the command
        Assert.True(run.ExitCode == 0, run.ToString());

        var watched = await watch.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(watched.ExitCode == 0, watched.ToString());
        var lines = watched.Stdout.Trim().Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.Contains("acquired", lines[0], StringComparison.Ordinal);
        Assert.Contains(uri, lines[0], StringComparison.Ordinal);
        Assert.Contains("released", lines[1], StringComparison.Ordinal);
    }

    private static double Durations(string ttl) => double.Parse(ttl.TrimEnd('s'), System.Globalization.CultureInfo.InvariantCulture);
}
