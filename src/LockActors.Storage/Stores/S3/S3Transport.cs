using System.Globalization;
using System.Runtime.CompilerServices;
using Amazon.Runtime;

namespace LockActors.Storage.Stores.S3;

/// <summary>
/// The bottom of the SDK's HTTP pipeline for one store: counts every request and hands the response's
/// <c>Date</c> header (the server's clock, which the SDK does not surface) back to the store call that caused it.
/// </summary>
internal sealed class S3TransportHandler(S3RequestCounter counter) : DelegatingHandler
{
    // The store puts a box here before a call; ExecutionContext carries the reference down into SendAsync,
    // which fills it. Each store call has its own box, so concurrent calls never see each other's Date.
    private static readonly AsyncLocal<StrongBox<DateTimeOffset?>?> s_serverDate = new();

    /// <summary>Starts capturing the <c>Date</c> of responses to requests made by the current async flow.</summary>
    public static StrongBox<DateTimeOffset?> CaptureServerDate()
    {
        var box = new StrongBox<DateTimeOffset?>();
        s_serverDate.Value = box;
        return box;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        counter.Record(request.Method);
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (s_serverDate.Value is { } box && response.Headers.Date is { } date)
        {
            box.Value = date;
        }

        return response;
    }
}

/// <summary>Gives the SDK one <see cref="HttpClient"/> per store, built on <see cref="S3TransportHandler"/>.</summary>
internal sealed class S3HttpClientFactory : HttpClientFactory, IDisposable
{
    private readonly HttpClient _client;

    public S3HttpClientFactory(S3StoreSettings settings, S3RequestCounter counter, HttpMessageHandler? transport)
    {
        transport ??= new SocketsHttpHandler
        {
            ConnectTimeout = settings.ConnectTimeout,
            AllowAutoRedirect = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            // Below the ~20 s after which S3 servers drop idle keep-alive connections: reusing a connection the
            // server just closed is what makes the HTTP stack re-send a request on its own.
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(15),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            UseCookies = false,
        };
        _client = new HttpClient(new S3TransportHandler(counter) { InnerHandler = transport }, disposeHandler: true)
        {
            Timeout = settings.RequestTimeout,
        };
    }

    public override HttpClient CreateHttpClient(IClientConfig clientConfig) => _client;

    // The store owns the one client: the SDK must neither cache it globally nor dispose it after a request.
    public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

    public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;

    public override string GetConfigUniqueString(IClientConfig clientConfig) =>
        string.Create(CultureInfo.InvariantCulture, $"lockactors-s3-{_client.GetHashCode()}");

    public void Dispose() => _client.Dispose();
}
