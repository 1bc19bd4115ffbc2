using System.Text;
using LockActors.Sftp;
using LockActors.Storage.Backends;
using LockActors.TestServers;
using LockActors.TestServers.Sftp;
using Renci.SshNet;
using Xunit;
using Xunit.Abstractions;

namespace LockActors.Sftp.Tests;

/// <summary>
/// The server safety probe: a server whose RENAME checks and then overwrites (ProFTPD mod_sftp, started by
/// tests/servers/proftpd-sftp.sh) is refused with <see cref="StoreNotSafeException"/>, once, and the verdict is cached;
/// OpenSSH passes, also when one create is raced from several separate connections.
/// </summary>
public sealed class SftpServerProbeTests(ITestOutputHelper output)
{
    private const string ProFtpd = "ProFTPD mod_sftp (tests/servers/proftpd-sftp.sh)";

    private static string Var(string name) => TestEnvironment.Require("LOCKACTORS_PROFTPD_" + name, ProFtpd);

    private static SftpStoreSettings ProFtpdSettings() => SftpStoreSettings.Default
        .WithCredentials(SftpCredentials.FromKeyFile(Var("KEY")))
        .WithHostKeySha256(Var("HOSTKEY_SHA256"));

    /// <summary>A fresh directory; under <c>overwrite-*</c> the test server sets AllowOverwrite on (off is ProFTPD's default).</summary>
    private static string ProFtpdDirectory(bool allowOverwrite = false)
    {
        var dir = Var("ROOT") + (allowOverwrite ? "/overwrite-" : "/probe-") + Guid.NewGuid().ToString("N");
        using var client = ProFtpdClient(); // made by the test user, whom ProFTPD serves files as
        client.CreateDirectory(dir);
        return dir;
    }

    private static SidecarKey ProFtpdKey(string dir) =>
        LockTarget.Parse($"sftp://{Var("USER")}@{Var("HOST")}:{Var("PORT")}{dir}/target.csv").Sidecar;

    private static SftpClient ProFtpdClient()
    {
        var client = new SftpClient(Var("HOST"), int.Parse(Var("PORT"), System.Globalization.CultureInfo.InvariantCulture), Var("USER"), new PrivateKeyFile(Var("KEY")));
        client.HostKeyReceived += (_, e) => e.CanTrust = true;
        client.Connect();
        return client;
    }

    [Fact]
    public async Task ProFTPD_is_refused_as_not_safe_on_every_call_and_probed_only_once()
    {
        var dir = ProFtpdDirectory();
        await using var store = new SftpLockStore(ProFtpdSettings());
        var key = ProFtpdKey(dir);
        var first = await Assert.ThrowsAsync<StoreNotSafeException>(() => store.TryCreateAsync(key, Encoding.UTF8.GetBytes("{}")));
        Assert.Contains("ProFTPD", first.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<StoreNotSafeException>(() => store.TryCreateAsync(key, Encoding.UTF8.GetBytes("{}")));
        await Assert.ThrowsAsync<StoreNotSafeException>(() => store.TryReplaceAsync(key, Encoding.UTF8.GetBytes("{}"), new SidecarVersion("1.0.0")));
        Assert.Equal(1, store.ServerProbes);
        Assert.False(File.Exists(key.Path));
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir)); // no probe litter either
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ProFTPD_is_caught_by_its_behaviour_even_when_its_name_is_not_recognised(bool allowOverwrite)
    {
        var dir = ProFtpdDirectory(allowOverwrite);
        using var client = ProFtpdClient();
        var probe = new SftpServerProbe(new SftpWire(client, new StoreRequestCounter()), _ => Task.FromResult(ProFtpdClient()), racers: 4, rounds: 3,
            recogniseByIdentification: false);
        var profile = await probe.RunAsync("proftpd", dir, CancellationToken.None);
        var flaw = profile.Flaw;
        output.WriteLine($"AllowOverwrite {(allowOverwrite ? "on" : "off")}: {string.Join("; ", profile.Findings)}");
        Assert.False(profile.IsSafeForLocking);
        Assert.NotNull(flaw);
        Assert.DoesNotContain("identifies as", flaw, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir));
    }

    [Fact]
    public async Task OpenSSH_passes_every_check_including_the_race_across_separate_connections()
    {
        var server = SftpTestServer.Shared;
        using var client = server.RawClient();
        var dir = server.Root + "/probe-" + Guid.NewGuid().ToString("N");
        client.CreateDirectory(dir);
        var connections = 0;
        var probe = new SftpServerProbe(new SftpWire(client, new StoreRequestCounter()), _ =>
        {
            Interlocked.Increment(ref connections);
            return Task.FromResult(server.RawClient());
        }, racers: 4, rounds: 3);
        var profile = await probe.RunAsync("openssh", dir, CancellationToken.None);
        output.WriteLine(string.Join("; ", profile.Findings));
        Assert.Null(profile.Flaw);
        Assert.True(profile.IsSafeForLocking);
        Assert.Equal(3, connections); // the probe's own connection is the fourth racer
        Assert.DoesNotContain(client.ListDirectory(dir), f => f.Name is not ("." or ".."));
    }
}
