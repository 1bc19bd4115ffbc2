using Akka.Configuration;
using LockActors.Configuration;
using LockActors.Configuration.Stores;
using LockActors.Hosting;
using LockActors.Sftp;
using LockActors.Tests.Stores;
using Xunit;

namespace LockActors.Sftp.Tests;

public sealed class SftpStoreConfigTests
{
    private static readonly StoreConfigReader<SftpLockStoreProvider, SftpStoreSettings> Section = new("sftp", SftpStoreConfig.Read);

    private static SftpStoreSettings Read(string hocon) => Section.Read(hocon);

    [Fact]
    public void Reference_defaults_equal_the_store_defaults()
    {
        var settings = Read(string.Empty);
        var d = SftpStoreSettings.Default;
        Assert.Equal(d.Credentials, settings.Credentials);
        Assert.Empty(settings.HostKeySha256);
        Assert.False(settings.AcceptAnyHostKeyInsecure);
        Assert.Equal((d.ConnectTimeout, d.OperationTimeout, d.KeepAliveInterval, d.GuardStaleAfter, d.CheckAndWriteTimeout, d.Root),
            (settings.ConnectTimeout, settings.OperationTimeout, settings.KeepAliveInterval, settings.GuardStaleAfter, settings.CheckAndWriteTimeout, settings.Root));
        Assert.Equal((1, d.ConnectionsPerServer), (settings.ConnectionsPerServer, 1));
    }

    [Fact]
    public void Every_key_maps_onto_the_settings()
    {
        var settings = Read("""
            lock-actors.stores.sftp {
              username = ingest
              private-key-file = "/keys/id_ed25519"
              passphrase = PP
              password = PW
              host-key-sha256 = ["SHA256:abc", "def"]
              accept-any-host-key-insecure = off
              connect-timeout = 2s
              operation-timeout = 3s
              keep-alive-interval = 4s
              guard-stale-after = 20s
              check-and-write-timeout = 6s
              root = "/srv/inbox"
              connections-per-server = 4
            }
            """);
        Assert.Equal(4, settings.ConnectionsPerServer);
        Assert.Equal(new SftpCredentials("ingest", "/keys/id_ed25519", null, "PP", "PW"), settings.Credentials);
        Assert.Equal(["SHA256:abc", "def"], settings.HostKeySha256.ToArray());
        Assert.Equal(
            (TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(6), "/srv/inbox"),
            (settings.ConnectTimeout, settings.OperationTimeout, settings.KeepAliveInterval, settings.GuardStaleAfter, settings.CheckAndWriteTimeout, settings.Root));
    }

    [Fact]
    public void A_single_host_key_string_is_accepted()
    {
        Assert.Equal(["SHA256:abc"], Read("lock-actors.stores.sftp.host-key-sha256 = \"SHA256:abc\"").HostKeySha256.ToArray());
    }

    [Fact]
    public void Hosting_options_render_to_the_same_settings_as_hocon()
    {
        var options = new LockActorsOptions();
        var sftp = new SftpStoreOptions
        {
            Username = "u", PrivateKey = "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n", Passphrase = "p\"q",
            AcceptAnyHostKeyInsecure = true, OperationTimeout = TimeSpan.FromSeconds(2), GuardStaleAfter = TimeSpan.FromSeconds(30),
            ConnectionsPerServer = 3,
        };
        sftp.HostKeySha256.Add("SHA256:xyz");
        options.Stores.Add(sftp);
        var settings = Section.Read(options);
        Assert.Equal("u", settings.Credentials.Username);
        Assert.Equal(sftp.PrivateKey.TrimEnd(), settings.Credentials.PrivateKeyText); // HOCON trims the final newline; the key loader restores it
        Assert.Equal("p\"q", settings.Credentials.Passphrase);
        Assert.True(settings.AcceptAnyHostKeyInsecure);
        Assert.Equal(["SHA256:xyz"], settings.HostKeySha256.ToArray());
        Assert.Equal(TimeSpan.FromSeconds(2), settings.OperationTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.GuardStaleAfter);
        Assert.Equal(3, settings.ConnectionsPerServer);
        Assert.Equal(SftpStoreSettings.Default.ConnectTimeout, settings.ConnectTimeout);
    }

    [Theory]
    [InlineData("connect-timeout")]
    [InlineData("operation-timeout")]
    [InlineData("keep-alive-interval")]
    [InlineData("guard-stale-after")]
    [InlineData("check-and-write-timeout")]
    public void Non_positive_timeouts_are_refused_naming_the_key(string key)
    {
        var error = Section.Refuses($"lock-actors.stores.sftp.{key} = 0s", key);
        Assert.StartsWith($"lock-actors.stores.sftp.{key} must be positive", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65)]
    public void Connections_per_server_out_of_range_are_refused_naming_the_key(int connections)
    {
        var error = Section.Refuses($"lock-actors.stores.sftp.connections-per-server = {connections}", "connections-per-server");
        Assert.StartsWith("lock-actors.stores.sftp.connections-per-server must be between 1 and 64", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_invalid_value_fails_start_up_with_the_configuration_error_keyed_by_it()
    {
        Section.RefusesAtStartUp(new LockActorsOptions().UseSftp(o => o.GuardStaleAfter = TimeSpan.Zero), "guard-stale-after");
    }

    [Fact]
    public void With_methods_return_validated_copies_and_leave_the_original_alone()
    {
        var d = SftpStoreSettings.Default;
        var changed = d.WithTimeouts(operation: TimeSpan.FromSeconds(9)).WithRoot("/srv");
        Assert.Equal(TimeSpan.FromSeconds(9), changed.OperationTimeout);
        Assert.Equal("/srv", changed.Root);
        Assert.Equal(TimeSpan.FromSeconds(4), d.OperationTimeout);
        Assert.Null(d.Root);
        Assert.Throws<ArgumentException>(() => d.WithGuard(staleAfter: TimeSpan.FromSeconds(-1)));
    }

    [Fact]
    public void Sftp_is_served_only_once_configured()
    {
        Assert.False(LockStoreRegistryFactory.Create(ConfigurationFactory.Empty).Supports("sftp"));
        Assert.True(LockStoreRegistryFactory.Create(new LockActorsOptions().UseSftp().ToConfig()).Supports("sftp"));
    }

    [Fact]
    public void Credentials_never_print_their_secrets()
    {
        var text = new SftpCredentials("u", PrivateKeyText: "KEYTEXT", Passphrase: "PASSPHRASE", Password: "PASSWORD").ToString();
        Assert.DoesNotContain("KEYTEXT", text, StringComparison.Ordinal);
        Assert.DoesNotContain("PASSPHRASE", text, StringComparison.Ordinal);
        Assert.DoesNotContain("PASSWORD", text, StringComparison.Ordinal);
    }
}
