using System.Text;
using LockActors.Hosting;

namespace LockActors.Gcs;

/// <summary>
/// Hosting options for <c>lock-actors.stores.gs</c> (the <c>gs://bucket/object</c> store). Unset = reference.conf default.
/// For a token-provider callback, register the store yourself:
/// <c>WithLockActors(configureStores: r =&gt; r.Register("gs", () =&gt; new GcsLockStore(GcsStoreSettings.Default.WithCredentials(GcsCredentials.FromAccessTokenProvider(...)))))</c>.
/// </summary>
public sealed class GcsStoreOptions : LockStoreOptions
{
    /// <inheritdoc />
    public override string Scheme => "gs";

    /// <inheritdoc />
    protected override Type? ProviderType => typeof(GcsLockStoreProvider);

    /// <summary>JSON API base URL, e.g. an emulator's <c>http://127.0.0.1:9199</c> (<c>endpoint</c>); unset = Google.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>Use the service-account JSON key at this path (<c>credentials = service-account-file</c>).</summary>
    public string? ServiceAccountFile { get; set; }

    /// <summary>Send this fixed bearer token (<c>credentials = access-token</c>).</summary>
    public string? AccessToken { get; set; }

    /// <summary>Send no Authorization header (<c>credentials = none</c>; emulators only). Wins over the two above.</summary>
    public bool? NoCredentials { get; set; }

    /// <summary>One HTTP request's timeout (<c>request-timeout</c>).</summary>
    public TimeSpan? RequestTimeout { get; set; }

    /// <summary>How transient failures are retried (<c>retry { max-attempts, initial-backoff, max-backoff }</c>).</summary>
    public RetryOptions? Retry { get; set; }

    /// <inheritdoc />
    protected override void AppendKeys(StringBuilder hocon)
    {
        if (Endpoint is not null)
        {
            hocon.Append("endpoint = ").AppendLine(Quote(Endpoint.ToString()));
        }

        if (NoCredentials is true)
        {
            hocon.AppendLine("credentials = none");
        }
        else if (ServiceAccountFile is not null)
        {
            hocon.AppendLine("credentials = service-account-file");
            hocon.Append("service-account-file = ").AppendLine(Quote(ServiceAccountFile));
        }
        else if (AccessToken is not null)
        {
            hocon.AppendLine("credentials = access-token");
            hocon.Append("access-token = ").AppendLine(Quote(AccessToken));
        }

        AppendDuration(hocon, "request-timeout", RequestTimeout);
        AppendRetry(hocon, Retry);
    }
}
