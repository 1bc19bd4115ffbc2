using LockActors.Gcs;
using LockActors.Storage.Backends;
using Xunit;

namespace LockActors.TestServers.Gcs;

/// <summary>
/// The in-process GCS emulator, the one way every test reaches it: <see cref="Shared"/> (one per test process, for
/// the actor-level gs:// tests), <see cref="StartNew"/> (a private one a test may stop), or an instance as an xunit
/// class fixture (one emulator per test class, started and stopped with it). All serve <see cref="Bucket"/> unless
/// told otherwise.
/// </summary>
public sealed class GcsTestEmulator : IAsyncLifetime
{
    /// <summary>The bucket the shared emulator and every fixture serve.</summary>
    public const string Bucket = "lock-actors-protocol";

    private static readonly Lazy<GcsEmulator> s_shared = new(() => StartNew(Bucket), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The shared emulator; it lives as long as the test process.</summary>
    public static GcsEmulator Shared => s_shared.Value;

    /// <summary>This fixture's emulator (running between <see cref="InitializeAsync"/> and <see cref="DisposeAsync"/>).</summary>
    public GcsEmulator Emulator { get; } = new();

    /// <summary>Settings pointing at this fixture's emulator (see <see cref="SettingsFor"/>).</summary>
    public GcsStoreSettings Settings => SettingsFor(Emulator);

    /// <summary>A new, running emulator with <paramref name="bucket"/> (for tests that stop it); dispose it.</summary>
    public static GcsEmulator StartNew(string bucket = Bucket)
    {
        var emulator = new GcsEmulator();
        emulator.CreateBucket(bucket);
        emulator.StartAsync().GetAwaiter().GetResult();
        return emulator;
    }

    /// <summary>Store settings for <paramref name="emulator"/>: no credentials, 5 s requests, four attempts with short backoffs.</summary>
    public static GcsStoreSettings SettingsFor(GcsEmulator emulator) => GcsStoreSettings.Default
        .WithEndpoint(emulator.Endpoint).WithCredentials(GcsCredentials.None).WithRequestTimeout(TimeSpan.FromSeconds(5))
        .WithRetry(RetryPolicy.Default.WithMaxAttempts(4).WithBackoff(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(50)));

    /// <summary>The <c>lock-actors.stores.gs</c> block for <paramref name="emulator"/> (no credentials, short backoffs).</summary>
    public static string Hocon(GcsEmulator emulator, string extra = "") => $$"""
        lock-actors.stores.gs {
          provider = "LockActors.Gcs.GcsLockStoreProvider, LockActors.Gcs"
          endpoint = "{{emulator.Endpoint}}"
          credentials = none
          retry { initial-backoff = 20ms, max-backoff = 200ms }
          {{extra}}
        }
        """;

    /// <summary>A fresh target URI in <see cref="Bucket"/>.</summary>
    public static string NewTargetUri(string name = "target.csv") => $"gs://{Bucket}/{Guid.NewGuid():N}/{name}";

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        Emulator.CreateBucket(Bucket);
        await Emulator.StartAsync();
    }

    /// <inheritdoc />
    public async Task DisposeAsync() => await Emulator.DisposeAsync();
}
