using Akka.Actor;
using Akka.Configuration;
using LockActors.Configuration;
using LockActors.Configuration.Stores;
using Xunit;

namespace LockActors.Tests.Configuration;

/// <summary>A configuration mistake fails at start-up naming its full key, never silently keeping a default.</summary>
public sealed class StrictConfigurationTests
{
    private static void Load(string hocon)
    {
        var config = ConfigurationFactory.ParseString(hocon);
        LockActorsSettings.Create(config);
        LockStoreRegistryFactory.Create(config);
    }

    [Theory]
    [InlineData("lock-actors.defualt-ttl = 10s", "lock-actors.defualt-ttl", "default-ttl")]
    [InlineData("lock-actors.heartbeat-intervall = 5s", "lock-actors.heartbeat-intervall", "heartbeat-interval")]
    [InlineData("lock-actors.acquire_timeout = 5s", "lock-actors.acquire_timeout", "acquire-timeout")]
    [InlineData("lock-actors.stores.file.rooot = \"/srv\"", "lock-actors.stores.file.rooot", "root")]
    [InlineData("lock-actors.stores.mem.scopes = system", "lock-actors.stores.mem.scopes", "scope")]
    [InlineData("lock-actors.stores.s3 { provider = \"LockActors.S3.S3LockStoreProvider, LockActors.S3\", regoin = eu-west-1 }", "lock-actors.stores.s3.regoin", "region")]
    [InlineData("lock-actors.stores.gs { provider = \"LockActors.Gcs.GcsLockStoreProvider, LockActors.Gcs\", retry.max-atempts = 3 }", "lock-actors.stores.gs.retry.max-atempts", "retry.max-attempts")]
    [InlineData("lock-actors.stores.sftp { provider = \"LockActors.Sftp.SftpLockStoreProvider, LockActors.Sftp\", passphase = x }", "lock-actors.stores.sftp.passphase", "passphrase")]
    public void A_misspelled_key_fails_naming_it_and_the_nearest_valid_key(string hocon, string fullKey, string nearest)
    {
        var error = ConfigAssert.Refused(() => Load(hocon), fullKey);
        Assert.Contains($"did you mean {nearest}?", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_message_reads_as_a_sentence_a_user_can_act_on()
    {
        var error = ConfigAssert.Refused(() => Load("lock-actors.defualt-ttl = 10s"), "lock-actors.defualt-ttl");
        Assert.StartsWith("lock-actors.defualt-ttl is not a LockActors setting; did you mean default-ttl?", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_far_from_any_valid_one_fails_without_a_guess()
    {
        var error = ConfigAssert.Refused(() => Load("lock-actors.colour = blue"), "lock-actors.colour");
        Assert.DoesNotContain("did you mean", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("lockactors { default-ttl = 10s }", "lockactors")]
    [InlineData("lock-actor { default-ttl = 10s }", "lock-actor")]
    [InlineData("lock_actors { default-ttl = 10s }", "lock_actors")]
    [InlineData("LockActors { default-ttl = 10s }", "LockActors")]
    [InlineData("lock-actros.default-ttl = 10s", "lock-actros")]
    public void A_section_named_almost_lock_actors_fails(string hocon, string section)
    {
        var error = ConfigAssert.Refused(() => Load(hocon), section);
        Assert.Contains("did you mean lock-actors?", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unrelated_top_level_sections_and_akka_settings_are_left_alone() =>
        Load("akka.loglevel = INFO\nmy-app { lock-timeout = 5s }\nlocks { a = 1 }\nlock-actors.default-ttl = 10s");

    [Fact]
    public void A_misspelled_built_in_store_section_suggests_the_store()
    {
        var error = ConfigAssert.Refused(() => Load("lock-actors.stores.fiel.root = \"/srv\""), "lock-actors.stores.fiel.provider");
        Assert.Contains("did you mean lock-actors.stores.file?", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_misspelled_key_fails_when_the_actor_system_starts_the_extension()
    {
        var system = ActorSystem.Create("strict" + Guid.NewGuid().ToString("N")[..6], "lock-actors.stores.file.rooot = \"/srv\"");
        try
        {
            ConfigAssert.Refused(() => LockActorsExtension.Get(system), "lock-actors.stores.file.rooot");
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Theory]
    [InlineData("lock-actors.on-stale = takeover", "lock-actors.on-stale", "did you mean take-over?")]
    [InlineData("lock-actors.fencing = stict", "lock-actors.fencing", "did you mean strict?")]
    [InlineData("lock-actors.default-ttl = soon", "lock-actors.default-ttl", "'soon'")]
    [InlineData("lock-actors.lease-safety-margin = lots", "lock-actors.lease-safety-margin", "'lots'")]
    [InlineData("lock-actors.heartbeat-interval = 20s", "lock-actors.heartbeat-interval", "default-ttl")]
    [InlineData("lock-actors.stores.file.check-and-write-timeout = 0s", "lock-actors.stores.file.check-and-write-timeout", "positive")]
    [InlineData("lock-actors.stores.file.check-and-write-timeout = later", "lock-actors.stores.file.check-and-write-timeout", "'later'")]
    [InlineData("lock-actors.stores.file.inline-io = maybe", "lock-actors.stores.file.inline-io", "'maybe'")]
    [InlineData("lock-actors.stores.mem.scope = galaxy", "lock-actors.stores.mem.scope", "'galaxy'")]
    [InlineData("lock-actors.stores.s3.region = x", "lock-actors.stores.s3.provider", "UseS3()")]
    [InlineData("lock-actors.stores.s3.provider = \"No.Such.Provider, Nowhere\"", "lock-actors.stores.s3.provider", "reference the backend")]
    [InlineData("lock-actors.stores.file = 5", "lock-actors.stores.file", "section")]
    public void Every_invalid_value_names_its_full_key(string hocon, string fullKey, string hint)
    {
        var error = ConfigAssert.Refused(() => Load(hocon), fullKey);
        Assert.Contains(hint, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter 'name')", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(typeof(LockActors.S3.S3LockStoreProvider), "s3")]
    [InlineData(typeof(LockActors.Gcs.GcsLockStoreProvider), "gs")]
    [InlineData(typeof(LockActors.Sftp.SftpLockStoreProvider), "sftp")]
    public void Every_key_of_every_reference_conf_is_accepted(Type provider, string scheme)
    {
        LockActorsSettings.Create(ConfigurationFactory.Empty); // walks the core reference.conf's own keys
        LockStoreRegistryFactory.Create(ConfigurationFactory.Empty);
        var assembly = provider.Assembly;
        using var stream = assembly.GetManifestResourceStream($"{assembly.GetName().Name}.reference.conf")!;
        using var reader = new StreamReader(stream);
        var backend = ConfigurationFactory.ParseString(reader.ReadToEnd());
        Assert.True(backend.HasPath($"lock-actors.stores.{scheme}"));
        var config = ConfigurationFactory.ParseString($"lock-actors.stores.{scheme}.provider = \"{provider.FullName}, {assembly.GetName().Name}\"").WithFallback(backend);
        LockStoreRegistryFactory.Create(config);
    }
}
