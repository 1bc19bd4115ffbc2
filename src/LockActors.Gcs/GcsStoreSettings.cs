namespace LockActors.Gcs;

/// <summary>
/// Immutable settings of the <c>gs://</c> store (HOCON <c>lock-actors.stores.gs</c>). Change them with the
/// <c>With*</c> copies; every instance is valid (the constructor checks).
/// </summary>
public sealed record GcsStoreSettings
{
    /// <summary>The public Google Cloud Storage endpoint.</summary>
    public static readonly Uri GoogleEndpoint = new("https://storage.googleapis.com");

    /// <summary>The defaults: Google's endpoint, application default credentials, 4 s per request, <see cref="GcsRetryPolicy.Default"/>.</summary>
    public static GcsStoreSettings Default { get; } = new();

    /// <summary>Creates settings; null arguments take the defaults.</summary>
    /// <exception cref="ArgumentException">The endpoint is not absolute http(s), or the timeout is not positive.</exception>
    public GcsStoreSettings(Uri? endpoint = null, GcsCredentials? credentials = null, TimeSpan? requestTimeout = null, GcsRetryPolicy? retry = null)
    {
        Endpoint = CheckEndpoint(endpoint ?? GoogleEndpoint);
        Credentials = credentials ?? GcsCredentials.ApplicationDefault();
        RequestTimeout = CheckTimeout(requestTimeout ?? TimeSpan.FromSeconds(4));
        Retry = retry ?? GcsRetryPolicy.Default;
    }

    /// <summary>Base URL of the JSON API (Google's, or an emulator's such as <c>http://127.0.0.1:9199</c>); no trailing path.</summary>
    public Uri Endpoint { get; private init; }

    /// <summary>Where bearer tokens come from (<see cref="GcsCredentials.None"/> sends no Authorization header).</summary>
    public GcsCredentials Credentials { get; private init; }

    /// <summary>
    /// Upper bound of one HTTP request (including its body). A request that exceeds it counts as an unknown outcome:
    /// a write is then resolved by re-reading, never blindly re-sent. Keep twice this value (a write and its resolving
    /// read) below the actors' <c>lock-actors.store-operation-timeout</c>.
    /// </summary>
    public TimeSpan RequestTimeout { get; private init; }

    /// <summary>How transient failures (429, 5xx, timeouts, dropped connections) are retried.</summary>
    public GcsRetryPolicy Retry { get; private init; }

    /// <summary>A copy using <paramref name="endpoint"/> (e.g. an emulator).</summary>
    public GcsStoreSettings WithEndpoint(Uri endpoint) => this with { Endpoint = CheckEndpoint(endpoint) };

    /// <summary>A copy using <paramref name="credentials"/>.</summary>
    public GcsStoreSettings WithCredentials(GcsCredentials credentials) =>
        this with { Credentials = credentials ?? throw new ArgumentNullException(nameof(credentials)) };

    /// <summary>A copy with another per-request timeout.</summary>
    public GcsStoreSettings WithRequestTimeout(TimeSpan timeout) => this with { RequestTimeout = CheckTimeout(timeout) };

    /// <summary>A copy with another retry policy.</summary>
    public GcsStoreSettings WithRetry(GcsRetryPolicy retry) => this with { Retry = retry ?? throw new ArgumentNullException(nameof(retry)) };

    private static Uri CheckEndpoint(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttps && endpoint.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException($"The GCS endpoint must be an absolute http(s) URL, not '{endpoint}'.", nameof(endpoint));
        }

        return endpoint;
    }

    private static TimeSpan CheckTimeout(TimeSpan timeout) =>
        timeout > TimeSpan.Zero ? timeout : throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The request timeout must be positive.");
}

/// <summary>
/// Retry policy of the <c>gs://</c> store: capped exponential backoff with full jitter. It bounds how many requests one
/// store call may send for transient failures; it never turns an unknown write outcome into a blind re-send.
/// </summary>
public sealed record GcsRetryPolicy
{
    /// <summary>4 attempts, 100 ms initial backoff doubling up to 2 s.</summary>
    public static GcsRetryPolicy Default { get; } = new(4, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2));

    /// <summary>No retries: the first transient failure is reported as <see cref="StoreUnavailableException"/> (for a write: outcome unknown).</summary>
    public static GcsRetryPolicy None { get; } = new(1, TimeSpan.Zero, TimeSpan.Zero);

    /// <summary>Creates a policy.</summary>
    /// <param name="maxAttempts">Requests (including resolving reads) one store call may spend on transient failures; at least 1.</param>
    /// <param name="initialBackoff">Upper bound of the first randomised wait.</param>
    /// <param name="maxBackoff">Cap of any single wait.</param>
    public GcsRetryPolicy(int maxAttempts, TimeSpan initialBackoff, TimeSpan maxBackoff)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(initialBackoff, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBackoff, initialBackoff);
        MaxAttempts = maxAttempts;
        InitialBackoff = initialBackoff;
        MaxBackoff = maxBackoff;
    }

    /// <summary>Transient failures one store call tolerates before it fails with <see cref="StoreUnavailableException"/>.</summary>
    public int MaxAttempts { get; }

    /// <summary>Upper bound of the first wait; each later bound doubles up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; }

    /// <summary>Cap of any single wait.</summary>
    public TimeSpan MaxBackoff { get; }

    /// <summary>The randomised wait before retry number <paramref name="retry"/> (1-based): uniform in [0, min(cap, initial·2^(retry-1))].</summary>
    public TimeSpan BackoffFor(int retry)
    {
        var bound = Math.Min(MaxBackoff.TotalMilliseconds, InitialBackoff.TotalMilliseconds * Math.Pow(2, Math.Max(0, retry - 1)));
        return TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * bound);
    }
}
