using System.Globalization;
using LockActors.Storage.Backends;

namespace LockActors.S3;

/// <summary>What the store does the first time it writes to a bucket of its endpoint.</summary>
public enum S3ProbeMode
{
    /// <summary>Verify on a scratch key that conditional writes are enforced; refuse every write with
    /// <see cref="StoreNotSafeException"/> when they are not. The default.</summary>
    Strict,

    /// <summary>Run the same verification but only report a failure through the store's warning sink, then write anyway.
    /// Locks on an endpoint that fails the probe are NOT exclusive.</summary>
    Warn,

    /// <summary>Trust the endpoint without checking (saves the probe's few requests per bucket).</summary>
    Off,
}

/// <summary>How a release (compare-and-swap delete) is carried out.</summary>
public enum S3ConditionalDeleteMode
{
    /// <summary><see cref="Native"/> when the probe proves the endpoint honours <c>DELETE If-Match</c>, otherwise
    /// <see cref="Tombstone"/>. With <see cref="S3ProbeMode.Off"/> nothing is proven, so this means tombstones.</summary>
    Auto,

    /// <summary><c>DELETE</c> with <c>If-Match</c> (AWS S3 since 2025-09). Refused by a strict probe on an endpoint that
    /// ignores the condition, because there a stale holder's release would delete the next holder's lock; under
    /// <see cref="S3ProbeMode.Warn"/> such an endpoint gets tombstones instead (with a warning).</summary>
    Native,

    /// <summary>Compare-and-swap overwrite (<c>PUT If-Match</c>) with a small "released" tombstone object that every
    /// read treats as absent. Safe on any endpoint that enforces conditional PUTs (Ceph RGW 16.2 ignores
    /// <c>DELETE If-Match</c>).</summary>
    Tombstone,
}

/// <summary>
/// Immutable settings of the <c>s3://bucket/key</c> store (HOCON <c>lock-actors.stores.s3</c>). Start from
/// <see cref="Default"/>; every <c>With*</c> copy is validated, so every instance is usable (an invalid value throws
/// <see cref="ArgumentException"/> naming its HOCON key). <see cref="ToString"/> never prints the secret key.
/// </summary>
public sealed record S3StoreSettings
{
    private S3StoreSettings()
    {
    }

    /// <summary>The defaults: AWS region <c>us-east-1</c>, SDK default credential chain, strict probe,
    /// automatic conditional-delete mode, 4 s request timeout, <see cref="RetryPolicy.Default"/>.</summary>
    public static S3StoreSettings Default { get; } = new S3StoreSettings().Validated();

    /// <summary>The region requests are signed for (and, without <see cref="ServiceUrl"/>, the AWS region used).</summary>
    public string Region { get; private init; } = "us-east-1";

    /// <summary>An S3-compatible endpoint such as <c>http://127.0.0.1:7480</c>; null means AWS S3 in <see cref="Region"/>.</summary>
    public string? ServiceUrl { get; private init; }

    /// <summary>Address buckets as <c>endpoint/bucket/key</c> instead of <c>bucket.endpoint/key</c>
    /// (needed by most S3-compatible servers).</summary>
    public bool ForcePathStyle { get; private init; }

    /// <summary>Explicit access key; null means the SDK's default credential chain (environment, profile, instance role…).</summary>
    public string? AccessKey { get; private init; }

    /// <summary>Explicit secret key; set together with <see cref="AccessKey"/>.</summary>
    public string? SecretKey { get; private init; }

    /// <summary>Optional session token for temporary explicit credentials.</summary>
    public string? SessionToken { get; private init; }

    /// <summary>Whether conditional writes are verified before the first write to each bucket.</summary>
    public S3ProbeMode Probe { get; private init; } = S3ProbeMode.Strict;

    /// <summary>How a release is carried out; see <see cref="S3ConditionalDeleteMode"/>.</summary>
    public S3ConditionalDeleteMode ConditionalDelete { get; private init; } = S3ConditionalDeleteMode.Auto;

    /// <summary>Upper bound of one HTTP request; a conditional write that times out is resolved by re-reading.
    /// Keep a write plus its re-read (2 × this) inside the lock layer's store-operation-timeout (10 s by default).</summary>
    public TimeSpan RequestTimeout { get; private init; } = TimeSpan.FromSeconds(4);

    /// <summary>Upper bound for opening a TCP connection to the endpoint.</summary>
    public TimeSpan ConnectTimeout { get; private init; } = TimeSpan.FromSeconds(5);

    /// <summary>How transient failures (5xx, 409, timeouts, dropped connections) are retried; a conditional write
    /// whose outcome is unknown is re-read and re-sent only when the re-read proves it did not apply.</summary>
    public RetryPolicy Retry { get; private init; } = RetryPolicy.Default;

    /// <summary>True when explicit credentials are configured.</summary>
    public bool HasExplicitCredentials => AccessKey is not null;

    /// <summary>A copy that talks to an S3-compatible endpoint (path-style addressing switched on with it).</summary>
    public S3StoreSettings WithServiceUrl(string? serviceUrl, bool forcePathStyle = true) =>
        (this with { ServiceUrl = serviceUrl, ForcePathStyle = forcePathStyle }).Validated();

    /// <summary>A copy signing for (and, on AWS, using) <paramref name="region"/>.</summary>
    public S3StoreSettings WithRegion(string region) => (this with { Region = region }).Validated();

    /// <summary>A copy with path-style addressing on or off.</summary>
    public S3StoreSettings WithForcePathStyle(bool forcePathStyle) => (this with { ForcePathStyle = forcePathStyle }).Validated();

    /// <summary>A copy using explicit credentials.</summary>
    public S3StoreSettings WithCredentials(string accessKey, string secretKey, string? sessionToken = null) =>
        (this with { AccessKey = accessKey, SecretKey = secretKey, SessionToken = sessionToken }).Validated();

    /// <summary>A copy using the SDK's default credential chain.</summary>
    public S3StoreSettings WithDefaultCredentials() => (this with { AccessKey = null, SecretKey = null, SessionToken = null }).Validated();

    /// <summary>A copy with another probe mode.</summary>
    public S3StoreSettings WithProbe(S3ProbeMode probe) => (this with { Probe = probe }).Validated();

    /// <summary>A copy with another conditional-delete mode.</summary>
    public S3StoreSettings WithConditionalDelete(S3ConditionalDeleteMode mode) => (this with { ConditionalDelete = mode }).Validated();

    /// <summary>A copy with other request and connect timeouts.</summary>
    public S3StoreSettings WithTimeouts(TimeSpan requestTimeout, TimeSpan? connectTimeout = null) =>
        (this with { RequestTimeout = requestTimeout, ConnectTimeout = connectTimeout ?? ConnectTimeout }).Validated();

    /// <summary>A copy with another retry policy.</summary>
    public S3StoreSettings WithRetry(RetryPolicy retry) =>
        (this with { Retry = retry ?? throw new ArgumentNullException(nameof(retry)) }).Validated();

    /// <summary>The settings without the secret key or session token.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"S3StoreSettings {{ Endpoint = {ServiceUrl ?? "AWS"}, Region = {Region}, ForcePathStyle = {ForcePathStyle}, " +
        $"Credentials = {(HasExplicitCredentials ? "explicit " + AccessKey : "default chain")}, Probe = {Probe}, " +
        $"ConditionalDelete = {ConditionalDelete}, RequestTimeout = {RequestTimeout}, ConnectTimeout = {ConnectTimeout}, Retry = {Retry} }}");

    /// <summary>The one place the settings are checked; every way of making them ends here.</summary>
    private S3StoreSettings Validated()
    {
        if (string.IsNullOrWhiteSpace(Region))
        {
            throw new ArgumentException("region must not be empty.", "region");
        }

        if ((AccessKey is not null || SecretKey is not null) && (string.IsNullOrEmpty(AccessKey) || string.IsNullOrEmpty(SecretKey)))
        {
            throw new ArgumentException("access-key and secret-key must be set together (or neither, for the default credential chain).", "access-key");
        }

        if (ServiceUrl is not null && !Uri.TryCreate(ServiceUrl, UriKind.Absolute, out _))
        {
            throw new ArgumentException($"service-url '{ServiceUrl}' is not an absolute URL.", "service-url");
        }

        if (RequestTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"request-timeout must be positive, not {RequestTimeout}.", "request-timeout");
        }

        if (ConnectTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"connect-timeout must be positive, not {ConnectTimeout}.", "connect-timeout");
        }

        return this;
    }
}
