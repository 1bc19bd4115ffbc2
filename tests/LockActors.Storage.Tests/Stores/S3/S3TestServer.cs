using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using LockActors.Storage.Stores.S3;
using LockActors.TestServers;

namespace LockActors.Storage.Tests.Stores.S3;

/// <summary>The Ceph RGW (and s3rver) started by tests/servers/ceph-rgw.sh; missing server → loud failure.</summary>
internal static class S3TestServer
{
    private const string Server = "Ceph RGW (tests/servers/ceph-rgw.sh)";

    public static string Endpoint => TestEnvironment.Require("LOCKACTORS_S3_ENDPOINT", Server);

    public static string AccessKey => TestEnvironment.Require("LOCKACTORS_S3_ACCESS_KEY", Server);

    public static string SecretKey => TestEnvironment.Require("LOCKACTORS_S3_SECRET_KEY", Server);

    public static string Bucket => TestEnvironment.Require("LOCKACTORS_S3_BUCKET", Server);

    public static string S3rverEndpoint => TestEnvironment.Require("LOCKACTORS_S3RVER_ENDPOINT", "npm s3rver (tests/servers/ceph-rgw.sh)");

    /// <summary>Settings for the RGW test bucket; strict probe, auto conditional delete.</summary>
    public static S3StoreSettings Settings() =>
        S3StoreSettings.Default.WithServiceUrl(Endpoint).WithCredentials(AccessKey, SecretKey);

    /// <summary>A unique target in the RGW test bucket.</summary>
    public static string NewTargetUri(string name) => $"s3://{Bucket}/{Guid.NewGuid():N}/{name}";

    /// <summary>A plain SDK client for the same endpoint, bypassing the store (retries off, RGW-compatible checksums).</summary>
    public static AmazonS3Client RawClient(string? endpoint = null) => new(
        new BasicAWSCredentials(AccessKey, SecretKey),
        new AmazonS3Config
        {
            ServiceURL = endpoint ?? Endpoint,
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            MaxErrorRetry = 0,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        });

    /// <summary>Writes bytes unconditionally (to plant corrupt, huge or foreign sidecars).</summary>
    public static async Task WriteRawAsync(SidecarKey key, byte[] content)
    {
        using var client = RawClient();
        await client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = key.Authority,
            Key = key.ObjectName,
            InputStream = new MemoryStream(content),
            UseChunkEncoding = false,
        });
    }
}
