using LockActors.Storage.Backends;

namespace LockActors.Gcs;

/// <summary>
/// Immutable settings of the <c>gs://</c> store (HOCON <c>lock-actors.stores.gs</c>). Start from <see cref="Default"/>;
/// every <c>With*</c> copy is validated, so every instance is usable (an invalid value throws
/// <see cref="ArgumentException"/> naming its HOCON key).
/// </summary>
public sealed record GcsStoreSettings
{
    /// <summary>The public Google Cloud Storage endpoint.</summary>
    public static readonly Uri GoogleEndpoint = new("https://storage.googleapis.com");

    private GcsStoreSettings()
    {
    }

    /// <summary>The defaults: Google's endpoint, application default credentials, 4 s per request, <see cref="RetryPolicy.Default"/>.</summary>
    public static GcsStoreSettings Default { get; } = new GcsStoreSettings().Validated();

    /// <summary>Base URL of the JSON API (Google's, or an emulator's such as <c>http://127.0.0.1:9199</c>); no trailing path.</summary>
    public Uri Endpoint { get; private init; } = GoogleEndpoint;

    /// <summary>Where bearer tokens come from (<see cref="GcsCredentials.None"/> sends no Authorization header).</summary>
    public GcsCredentials Credentials { get; private init; } = GcsCredentials.ApplicationDefault();

    /// <summary>
    /// Upper bound of one HTTP request (including its body). A request that exceeds it counts as an unknown outcome:
    /// a write is then resolved by re-reading, never blindly re-sent. Keep twice this value (a write and its resolving
    /// read) below the actors' <c>lock-actors.store-operation-timeout</c>.
    /// </summary>
    public TimeSpan RequestTimeout { get; private init; } = TimeSpan.FromSeconds(4);

    /// <summary>How transient failures (429, 5xx, timeouts, dropped connections) are retried.</summary>
    public RetryPolicy Retry { get; private init; } = RetryPolicy.Default;

    /// <summary>A copy using <paramref name="endpoint"/> (e.g. an emulator).</summary>
    public GcsStoreSettings WithEndpoint(Uri endpoint) =>
        (this with { Endpoint = endpoint ?? throw new ArgumentNullException(nameof(endpoint)) }).Validated();

    /// <summary>A copy using <paramref name="credentials"/>.</summary>
    public GcsStoreSettings WithCredentials(GcsCredentials credentials) =>
        (this with { Credentials = credentials ?? throw new ArgumentNullException(nameof(credentials)) }).Validated();

    /// <summary>A copy with another per-request timeout.</summary>
    public GcsStoreSettings WithRequestTimeout(TimeSpan timeout) => (this with { RequestTimeout = timeout }).Validated();

    /// <summary>A copy with another retry policy.</summary>
    public GcsStoreSettings WithRetry(RetryPolicy retry) =>
        (this with { Retry = retry ?? throw new ArgumentNullException(nameof(retry)) }).Validated();

    /// <summary>The one place the settings are checked; every way of making them ends here.</summary>
    private GcsStoreSettings Validated()
    {
        if (!Endpoint.IsAbsoluteUri || (Endpoint.Scheme != Uri.UriSchemeHttps && Endpoint.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException($"endpoint must be an absolute http(s) URL, not '{Endpoint}'.", "endpoint");
        }

        if (RequestTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"request-timeout must be positive, not {RequestTimeout}.", "request-timeout");
        }

        return this;
    }
}
