using LockActors.Gcs;
using LockActors.TestServers.Gcs;
using Xunit;
using LockActors.Storage.Backends;

namespace LockActors.Gcs.Tests;

/// <summary>One in-process GCS emulator on 127.0.0.1 (free port) per test class, with a ready bucket.</summary>
public sealed class GcsEmulatorFixture : IAsyncLifetime
{
    /// <summary>The bucket every test class gets.</summary>
    public const string Bucket = "lock-actors-test";

    public GcsEmulator Emulator { get; } = new();

    /// <summary>Settings pointing at the emulator, without credentials, with short backoffs.</summary>
    public GcsStoreSettings Settings => GcsStoreSettings.Default
        .WithEndpoint(Emulator.Endpoint).WithCredentials(GcsCredentials.None).WithRequestTimeout(TimeSpan.FromSeconds(5))
        .WithRetry(RetryPolicy.Default.WithMaxAttempts(4).WithBackoff(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(50)));

    public async Task InitializeAsync()
    {
        Emulator.CreateBucket(Bucket);
        await Emulator.StartAsync();
    }

    public async Task DisposeAsync() => await Emulator.DisposeAsync();

    /// <summary>A fresh target URI in the fixture's bucket.</summary>
    public static string NewTargetUri(string name = "target.csv") => $"gs://{Bucket}/{Guid.NewGuid():N}/{name}";
}
