using LockActors.Storage;
using LockActors.TestServers.Gcs;
using Xunit;

namespace LockActors.Cli.Tests;

/// <summary>lockctl on gs://, against the in-repo GCS emulator (running in this test process, reached over loopback).</summary>
public sealed class GcsLockctlTests(GcsTestEmulator emulator) : LockctlBackendTests, IClassFixture<GcsTestEmulator>
{
    protected override IReadOnlyList<string> StoreArgs => ["--gcs-endpoint", emulator.Emulator.Endpoint.ToString(), "--gcs-credentials", "none"];

    protected override ILockStore NewStore() => new LockActors.Gcs.GcsLockStore(GcsTestEmulator.SettingsFor(emulator.Emulator));

    protected override string NewTargetUri(string name) => GcsTestEmulator.NewTargetUri(name);
}
