using LockActors.Storage;
using LockActors.TestServers.S3;

namespace LockActors.Cli.Tests;

/// <summary>lockctl on s3:// (Ceph RGW): endpoint as a flag, credentials in the environment.</summary>
public sealed class S3LockctlTests : LockctlBackendTests
{
    protected override IReadOnlyList<string> StoreArgs => ["--s3-endpoint", S3TestServer.Endpoint];

    protected override IReadOnlyDictionary<string, string> StoreEnv => new Dictionary<string, string>
    {
        ["LOCKCTL_S3_ACCESS_KEY"] = S3TestServer.AccessKey,
        ["LOCKCTL_S3_SECRET_KEY"] = S3TestServer.SecretKey,
    };

    protected override ILockStore NewStore() => S3TestServer.NewStore();

    protected override string NewTargetUri(string name) => $"s3://{S3TestServer.Bucket}/lockctl/{Guid.NewGuid():N}/{name}";
}
