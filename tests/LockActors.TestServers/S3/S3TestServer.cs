using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using LockActors.S3;
using LockActors.Storage;

namespace LockActors.TestServers.S3;

/// <summary>
/// The Ceph RGW (and s3rver) started by tests/servers/ceph-rgw.sh, the one way every test reaches it: endpoint,
/// credentials, HOCON, stores and raw clients. A missing server is a loud failure, never a silent pass.
/// </summary>
internal static class S3TestServer
{
    private const string Server = "Ceph RGW (tests/servers/ceph-rgw.sh)";

    public static string Endpoint => TestEnvironment.Require("LOCKACTORS_S3_ENDPOINT", Server);

    public static string AccessKey => TestEnvironment.Require("LOCKACTORS_S3_ACCESS_KEY", Server);

    public static string SecretKey => TestEnvironment.Require("LOCKACTORS_S3_SECRET_KEY", Server);

    public static string Bucket => TestEnvironment.Require("LOCKACTORS_S3_BUCKET", Server);

    /// <summary>The <c>lock-actors.stores.s3</c> block for <paramref name="serviceUrl"/> (default: <see cref="Endpoint"/>) with the test credentials.</summary>
    public static string Hocon(string? serviceUrl = null, string extra = "") => $$"""
        lock-actors.stores.s3 {
          provider = "LockActors.S3.S3LockStoreProvider, LockActors.S3"
          service-url = "{{serviceUrl ?? Endpoint}}"
          force-path-style = on
          access-key = "{{AccessKey}}"
          secret-key = "{{SecretKey}}"
          {{extra}}
        }
        """;

    public static string S3rverEndpoint => TestEnvironment.Require("LOCKACTORS_S3RVER_ENDPOINT", "npm s3rver (tests/servers/ceph-rgw.sh)");

    /// <summary>
    /// LOCKACTORS_S3_AWS_LIKE=1 runs the S3 tests against an AWS-like endpoint: RGW behind
    /// <see cref="ConditionalDeleteEmulator"/> (conditional DELETE honoured, quoted If-Match accepted). Tests that build
    /// their stores through <see cref="NewStore"/> / <see cref="Transport"/> then see that endpoint.
    /// </summary>
    public static bool AwsLike => Environment.GetEnvironmentVariable("LOCKACTORS_S3_AWS_LIKE") == "1";

    /// <summary>The handler chain for a store under test: <paramref name="outer"/> (fault injection) above the endpoint.</summary>
    public static HttpMessageHandler? Transport(HttpMessageHandler? outer = null)
    {
        if (!AwsLike || outer is ConditionalDeleteEmulator)
        {
            return outer;
        }

        if (outer is DelegatingHandler delegating)
        {
            delegating.InnerHandler = new ConditionalDeleteEmulator();
            return delegating;
        }

        return new ConditionalDeleteEmulator();
    }

    /// <summary>A store on the endpoint under test (RGW, or the AWS-like endpoint with LOCKACTORS_S3_AWS_LIKE=1).</summary>
    public static S3LockStore NewStore(S3StoreSettings? settings = null, HttpMessageHandler? outer = null, Action<string>? warn = null) =>
        new(settings ?? Settings(), warn, null, Transport(outer));

    private static readonly Lazy<Task<S3EndpointProfile>> EndpointProfile = new(async () =>
    {
        await using var store = NewStore();
        return await store.ProbeAsync(Bucket);
    });

    /// <summary>What the probe finds on the endpoint under test: the tests assert behaviour against this, not against RGW's quirks.</summary>
    public static Task<S3EndpointProfile> ProfileAsync() => EndpointProfile.Value;

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
