namespace LockActors.TestServers.Gcs;

/// <summary>The in-process GCS emulator shared by the actor-level gs:// tests (started once per test process).</summary>
public static class GcsTestEmulator
{
    public const string Bucket = "lock-actors-protocol";

    private static readonly Lazy<GcsEmulator> s_shared = new(() => StartNew(Bucket), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The shared emulator; it lives as long as the test process.</summary>
    public static GcsEmulator Shared => s_shared.Value;

    /// <summary>A new, running emulator with <paramref name="bucket"/> (for tests that stop it); dispose it.</summary>
    public static GcsEmulator StartNew(string bucket)
    {
        var emulator = new GcsEmulator();
        emulator.CreateBucket(bucket);
        emulator.StartAsync().GetAwaiter().GetResult();
        return emulator;
    }

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
}
