using System.Text;
using LockActors.Hosting;

namespace LockActors.S3;

/// <summary>Hosting options for <c>lock-actors.stores.s3</c> (the <c>s3://bucket/key</c> store). Unset = reference.conf default.</summary>
public sealed class S3StoreOptions : LockStoreOptions
{
    /// <inheritdoc />
    public override string Scheme => "s3";

    /// <inheritdoc />
    protected override Type? ProviderType => typeof(S3LockStoreProvider);

    /// <summary>Signing region, and the AWS region when no service URL is set (<c>region</c>).</summary>
    public string? Region { get; set; }

    /// <summary>S3-compatible endpoint, e.g. <c>http://127.0.0.1:7480</c> (<c>service-url</c>); unset = AWS S3.</summary>
    public string? ServiceUrl { get; set; }

    /// <summary>Path-style addressing (<c>force-path-style</c>); most S3-compatible servers need it.</summary>
    public bool? ForcePathStyle { get; set; }

    /// <summary>Explicit access key (<c>access-key</c>); unset = the SDK's default credential chain.</summary>
    public string? AccessKey { get; set; }

    /// <summary>Explicit secret key (<c>secret-key</c>).</summary>
    public string? SecretKey { get; set; }

    /// <summary>Session token for temporary credentials (<c>session-token</c>).</summary>
    public string? SessionToken { get; set; }

    /// <summary>Endpoint probe before the first write to each bucket (<c>probe</c>).</summary>
    public S3ProbeMode? Probe { get; set; }

    /// <summary>How releases are done (<c>conditional-delete</c>).</summary>
    public S3ConditionalDeleteMode? ConditionalDelete { get; set; }

    /// <summary>One HTTP request's timeout (<c>request-timeout</c>).</summary>
    public TimeSpan? RequestTimeout { get; set; }

    /// <summary>TCP connect timeout (<c>connect-timeout</c>).</summary>
    public TimeSpan? ConnectTimeout { get; set; }

    /// <summary>How transient failures are retried (<c>retry { max-attempts, initial-backoff, max-backoff }</c>).</summary>
    public RetryOptions? Retry { get; set; }

    /// <inheritdoc />
    protected override void AppendKeys(StringBuilder hocon)
    {
        AppendText(hocon, "region", Region);
        AppendText(hocon, "service-url", ServiceUrl);
        AppendFlag(hocon, "force-path-style", ForcePathStyle);
        AppendText(hocon, "access-key", AccessKey);
        AppendText(hocon, "secret-key", SecretKey);
        AppendText(hocon, "session-token", SessionToken);
        AppendText(hocon, "probe", Probe?.ToString().ToLowerInvariant());
        AppendText(hocon, "conditional-delete", ConditionalDelete?.ToString().ToLowerInvariant());
        AppendDuration(hocon, "request-timeout", RequestTimeout);
        AppendDuration(hocon, "connect-timeout", ConnectTimeout);
        AppendRetry(hocon, Retry);
    }
}
