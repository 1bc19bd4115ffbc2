using System.Diagnostics;
using System.Text;
using LockActors.Sftp;
using LockActors.TestServers.Sftp;
using Renci.SshNet;
using Xunit;

namespace LockActors.Sftp.Tests;

/// <summary>
/// What the sftp:// store does with sidecars it did not write: special files, oversized files, very long names, and a
/// contended sidecar that flips between present and absent. Runs against the shared OpenSSH server, whose data
/// directory is on this host, so tests plant FIFOs and devices directly.
/// </summary>
public sealed class SftpHostileSidecarTests : IAsyncLifetime
{
    private readonly SftpTestServer _server = SftpTestServer.Shared;
    private SftpClient _raw = null!;
    private SftpLockStore _store = null!;

    public Task InitializeAsync()
    {
        _raw = _server.RawClient();
        _store = new SftpLockStore(_server.Settings());
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        _raw.Dispose();
    }

    private static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    private SidecarKey NewKey(string name = "target.csv")
    {
        var dir = _server.Root + "/hostile-" + Guid.NewGuid().ToString("N");
        _raw.CreateDirectory(dir);
        return LockTarget.Parse(_server.UriOf(dir + "/" + name)).Sidecar;
    }

    private static void Run(string file, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true })!;
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', args)}: {process.StandardError.ReadToEnd()}");
    }

    public static TheoryData<string> SpecialKinds => ["directory", "symlink-to-file", "dangling-symlink", "fifo", "char-device"];

    private void Plant(string kind, string path)
    {
        switch (kind)
        {
            case "directory":
                _raw.CreateDirectory(path);
                break;
            case "symlink-to-file":
                _raw.WriteAllBytes(path + ".real", Bytes("{}"));
                Run("ln", "-s", path + ".real", path);
                break;
            case "dangling-symlink":
                Run("ln", "-s", path + ".nowhere", path);
                break;
            case "fifo":
                Run("mkfifo", path);
                break;
            case "char-device":
                Run("mknod", path, "c", "1", "3"); // the same device as /dev/null
                break;
        }
    }

    [Theory]
    [MemberData(nameof(SpecialKinds))]
    public async Task Sidecar_that_is_not_a_regular_file_is_refused_typed_without_blocking(string kind)
    {
        var key = NewKey();
        Plant(kind, key.Path);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10)); // a FIFO opened for reading would hang
        var read = await Assert.ThrowsAsync<SidecarNotRegularFileException>(() => _store.ReadAsync(key, deadline.Token));
        Assert.Equal(key, read.Key);
        Assert.Equal(kind.Split('-')[0] switch { "symlink" or "dangling" => "a symbolic link", "fifo" => "a FIFO", "char" => "a character device", var k => "a " + k }, read.Kind);

        // A create never replaces it (the rename onto an existing name is refused); replace and delete refuse typed.
        Assert.Null(await _store.TryCreateAsync(key, Bytes("{\"mine\":1}"), deadline.Token));
        await Assert.ThrowsAsync<SidecarNotRegularFileException>(() => _store.TryReplaceAsync(key, Bytes("{\"mine\":2}"), new SidecarVersion("1.0.0"), deadline.Token));
        await Assert.ThrowsAsync<SidecarNotRegularFileException>(() => _store.TryDeleteAsync(key, new SidecarVersion("1.0.0"), deadline.Token));
        Assert.True(_raw.Exists(key.Path) || kind == "dangling-symlink");
    }

    [Fact]
    public async Task Oversized_sidecar_reads_as_its_first_MaxBytes_plus_one_bytes_and_can_be_taken_over_by_its_version()
    {
        var key = NewKey();
        var huge = new byte[SidecarLimits.MaxBytes * 3];
        Random.Shared.NextBytes(huge);
        _raw.WriteAllBytes(key.Path, huge);

        var snapshot = (await _store.ReadAsync(key))!;
        Assert.Equal(SidecarLimits.MaxBytes + 1, snapshot.Content.Length);
        Assert.True(snapshot.Content.Span.SequenceEqual(huge.AsSpan(0, SidecarLimits.MaxBytes + 1)));
        Assert.Throws<SidecarTooLargeException>(() => LockMetadataCodec.Decode(key, snapshot.Content.Span));
        Assert.Equal(snapshot.Version, (await _store.ReadAsync(key))!.Version);

        var taken = await _store.TryReplaceAsync(key, Bytes("{\"takeover\":1}"), snapshot.Version);
        Assert.NotNull(taken);
        Assert.Equal("{\"takeover\":1}", Encoding.UTF8.GetString(_raw.ReadAllBytes(key.Path)));

        var other = NewKey();
        _raw.WriteAllBytes(other.Path, huge);
        Assert.True(await _store.TryDeleteAsync(other, (await _store.ReadAsync(other))!.Version));
        Assert.False(_raw.Exists(other.Path));
    }

    [Fact]
    public async Task Oversized_sidecars_that_differ_only_past_the_bytes_read_still_have_different_versions_by_size()
    {
        var key = NewKey();
        var big = new byte[SidecarLimits.MaxBytes + 10];
        _raw.WriteAllBytes(key.Path, big);
        var v1 = (await _store.ReadAsync(key))!.Version;
        _raw.WriteAllBytes(key.Path, new byte[SidecarLimits.MaxBytes + 20]);
        Assert.NotEqual(v1, (await _store.ReadAsync(key))!.Version);
        Assert.Null(await _store.TryReplaceAsync(key, Bytes("{}"), v1));
    }

    [Fact]
    public async Task Write_over_the_limit_is_refused_before_anything_is_sent()
    {
        var key = NewKey();
        await Assert.ThrowsAsync<SidecarTooLargeException>(() => _store.TryCreateAsync(key, new byte[SidecarLimits.MaxBytes + 1]));
        Assert.False(_raw.Exists(key.Path));
    }

    [Fact]
    public async Task A_250_byte_sidecar_name_can_be_locked_replaced_and_released()
    {
        var name = new string('n', 250 - SidecarLimits.Suffix.Length);
        var key = NewKey(name);
        Assert.Equal(250, Encoding.UTF8.GetByteCount(key.Path[(key.Path.LastIndexOf('/') + 1)..]));
        var v1 = (await _store.TryCreateAsync(key, Bytes("{\"one\":1}")))!.Value;
        Assert.Null(await _store.TryCreateAsync(key, Bytes("{\"two\":1}")));
        var v2 = (await _store.TryReplaceAsync(key, Bytes("{\"two\":2}"), v1))!.Value;
        Assert.Equal(v2, (await _store.ReadAsync(key))!.Version);
        Assert.True(await _store.TryDeleteAsync(key, v2));
        var dir = key.Path[..key.Path.LastIndexOf('/')];
        Assert.DoesNotContain(_raw.ListDirectory(dir), f => f.Name is not ("." or ".."));
    }

    [Fact]
    public void Derived_names_fit_255_bytes_are_stable_and_unique_per_sidecar()
    {
        var a = new string('é', 126) + "a.lock"; // 258 bytes of UTF-8
        var b = new string('é', 126) + "b.lock";
        var guardA = SftpSidecarNames.SiblingName(a, ".cas");
        Assert.True(Encoding.UTF8.GetByteCount(guardA) <= 255);
        Assert.Equal(guardA, SftpSidecarNames.SiblingName(a, ".cas"));
        Assert.NotEqual(guardA, SftpSidecarNames.SiblingName(b, ".cas"));
        Assert.Equal("x.lock.cas", SftpSidecarNames.SiblingName("x.lock", ".cas"));
    }

    [Fact]
    public async Task Create_refused_by_a_holder_that_has_released_since_is_a_lost_race_not_an_outage()
    {
        // The interleaving a contended sidecar produces: another process holds it when our RENAME arrives and has
        // released it by the time anyone looks again. Every attempt sees it so: the refusal must still be a loss.
        var key = NewKey();
        _store.BeforeRequestForTest = (request, path) =>
        {
            if (path == key.Path)
            {
                if (request == "rename")
                {
                    _raw.WriteAllBytes(key.Path, Bytes("{\"theirs\":1}"));
                }
                else if (request == "lstat" && _raw.Exists(key.Path))
                {
                    _raw.DeleteFile(key.Path);
                }
            }

            return Task.CompletedTask;
        };
        Assert.Null(await _store.TryCreateAsync(key, Bytes("{\"mine\":1}")));
        _store.BeforeRequestForTest = null;
        var dir = key.Path[..key.Path.LastIndexOf('/')];
        Assert.DoesNotContain(_raw.ListDirectory(dir), f => f.Name.EndsWith(".tmp", StringComparison.Ordinal));
    }
}
