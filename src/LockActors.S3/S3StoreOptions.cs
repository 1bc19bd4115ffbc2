using LockActors.Hosting;
using System.Globalization;
using System.Text;

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

    /// <summary>Extra attempts of a failed read (<c>read-retries</c>).</summary>
    public int? ReadRetries { get; set; }

    /// <summary>Re-read-and-decide rounds for a conditional write with an unknown outcome (<c>unknown-outcome-attempts</c>).</summary>
    public int? UnknownOutcomeAttempts { get; set; }

    /// <summary>First pause between retries (<c>retry-backoff</c>).</summary>
    public TimeSpan? RetryBackoff { get; set; }

    /// <inheritdoc />
    protected override void AppendKeys(StringBuilder hocon)
    {
        Text(hocon, "region", Region);
        Text(hocon, "service-url", ServiceUrl);
        if (ForcePathStyle is { } pathStyle)
        {
            hocon.Append("force-path-style = ").AppendLine(pathStyle ? "on" : "off");
        }

        Text(hocon, "access-key", AccessKey);
        Text(hocon, "secret-key", SecretKey);
        Text(hocon, "session-token", SessionToken);
        Text(hocon, "probe", Probe?.ToString().ToLowerInvariant());
        Text(hocon, "conditional-delete", ConditionalDelete?.ToString().ToLowerInvariant());
        Time(hocon, "request-timeout", RequestTimeout);
        Time(hocon, "connect-timeout", ConnectTimeout);
        Number(hocon, "read-retries", ReadRetries);
        Number(hocon, "unknown-outcome-attempts", UnknownOutcomeAttempts);
        Time(hocon, "retry-backoff", RetryBackoff);
    }

    private static void Text(StringBuilder hocon, string key, string? value)
    {
        if (value is not null)
        {
            hocon.Append(key).Append(" = ").AppendLine(Quote(value));
        }
    }

    private static void Time(StringBuilder hocon, string key, TimeSpan? value)
    {
        if (value is { } v)
        {
            hocon.Append(key).Append(" = ").AppendLine(Duration(v));
        }
    }

    private static void Number(StringBuilder hocon, string key, int? value)
    {
        if (value is { } v)
        {
            hocon.Append(key).Append(" = ").AppendLine(v.ToString(CultureInfo.InvariantCulture));
        }
    }
}
