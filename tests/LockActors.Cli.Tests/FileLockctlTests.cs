using LockActors.Storage;
using Xunit;

namespace LockActors.Cli.Tests;

/// <summary>lockctl on file://, with no configuration at all; plus the errors that do not depend on a backend.</summary>
public sealed class FileLockctlTests : LockctlBackendTests, IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("lockctl-file-").FullName;

    protected override IReadOnlyList<string> StoreArgs => [];

    protected override string NewTargetUri(string name) =>
        new Uri(Path.Combine(Directory.CreateDirectory(Path.Combine(_root, Guid.NewGuid().ToString("N"))).FullName, name)).AbsoluteUri;

    [Fact]
    public async Task A_bad_target_is_a_usage_error_on_one_line_and_verbose_adds_the_stack_trace()
    {
        var bad = await Lockctl.RunAsync(["info", "file:///data/../etc/passwd"]);
        Assert.True(bad.ExitCode == 2, bad.ToString());
        Assert.Equal("lockctl: 'file:///data/../etc/passwd' is not a valid lock target: '.' and '..' path segments are not allowed (path traversal).", bad.Stderr.Trim());

        var verbose = await Lockctl.RunAsync(["info", "file:///data/../etc/passwd", "--verbose"]);
        Assert.True(verbose.ExitCode == 2, verbose.ToString());
        Assert.Contains("   at LockActors.Storage.LockTarget", verbose.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_misspelled_configuration_key_is_a_usage_error_naming_the_nearest_key()
    {
        var conf = Path.Combine(_root, "typo.conf");
        await File.WriteAllTextAsync(conf, "lock-actors.default-tll = 10s");
        var run = await Lockctl.RunAsync(["info", NewTargetUri("a.csv"), "--config", conf]);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("lock-actors.default-tll", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("default-ttl", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_store_exits_4()
    {
        var run = await Lockctl.RunAsync(["info", "s3://bucket/a.csv", "--s3-endpoint", "http://127.0.0.1:9", "--set", "stores.s3.retry.max-attempts=1"],
            env: new Dictionary<string, string> { ["LOCKCTL_S3_ACCESS_KEY"] = "k", ["LOCKCTL_S3_SECRET_KEY"] = "s" });
        Assert.True(run.ExitCode == 4, run.ToString());
        Assert.Single(run.Stderr.Trim().Split('\n'));
    }

    [Fact]
    public async Task Unknown_commands_and_missing_arguments_exit_2()
    {
        Assert.Equal(2, (await Lockctl.RunAsync(["frobnicate"])).ExitCode);
        Assert.Equal(2, (await Lockctl.RunAsync(["acquire", NewTargetUri("a.csv")])).ExitCode);
    }

    [Fact]
    public async Task A_command_that_cannot_start_exits_127_and_leaves_the_lock_free()
    {
        var uri = NewTargetUri("a.csv");
        var run = await Lockctl.RunAsync(["acquire", uri, "--", "/nonexistent/program"]);
        Assert.True(run.ExitCode == 127, run.ToString());
        Assert.Contains("status  free", (await Lockctl.RunAsync(["info", uri])).Stdout, StringComparison.Ordinal);
    }

    protected override ILockStore NewStore() => new LockActors.Storage.Stores.File.FileLockStore();

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
