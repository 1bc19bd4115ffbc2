using System.Globalization;
using System.Runtime.CompilerServices;
using Amazon.Runtime;
using LockActors.Storage.Backends;

namespace LockActors.S3;

/// <summary>The server's clock as one response showed it: its <c>Date</c> header and this host's clock when it arrived.</summary>
internal readonly record struct S3ServerClock(DateTimeOffset Date, DateTimeOffset ReceivedAt)
{
    /// <summary>Server minus local clock (at the header's 1 s resolution), as the AWS SDK's clock-skew correction measures it.</summary>
    public TimeSpan Skew => Date - ReceivedAt;
}

/// <summary>
/// The bottom of the SDK's HTTP pipeline for one store: counts every request and hands the response's
/// <c>Date</c> header (the server's clock, which the SDK does not surface) back to the store call that caused it.
/// </summary>
internal sealed class S3TransportHandler(StoreRequestCounter counter) : DelegatingHandler
{
    // The store puts a box here before a call; ExecutionContext carries the reference down into SendAsync,
    // which fills it. Each store call has its own box, so concurrent calls never see each other's Date.
    private static readonly AsyncLocal<StrongBox<S3ServerClock?>?> s_serverClock = new();

    /// <summary>Starts capturing the <c>Date</c> of responses to requests made by the current async flow.</summary>
    public static StrongBox<S3ServerClock?> CaptureServerClock()
    {
        var box = new StrongBox<S3ServerClock?>();
        s_serverClock.Value = box;
        return box;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        counter.Record(request.Method.Method);
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == System.Net.HttpStatusCode.Forbidden && request.Content is not null && InnerHandler is S3ConnectionPool pool)
        {
            // Ceph RGW refuses a request signed with a skewed time (403 RequestTimeTooSkewed) without reading its body
            // and keeps the connection open: the unread body would prefix the next request sent on it (seen: RGW
            // answered the store's re-send "probe-1PUT ..." with 405). Nothing may use that connection again.
            pool.Retire();
        }

        if (s_serverClock.Value is { } box && response.Headers.Date is { } date)
        {
            // The raw wall clock, as the SDK's skew measurement uses (not a TimeProvider: the signature is on this clock).
            box.Value = new S3ServerClock(date, DateTimeOffset.UtcNow);
        }

        return response;
    }
}

/// <summary>
/// The store's sockets: one <see cref="SocketsHttpHandler"/> pool that <see cref="Retire"/> replaces by a fresh one
/// (new requests go to the new pool at once; the old one is disposed once requests already on it have had their
/// timeout), because .NET offers no way to close one pooled connection.
/// </summary>
internal sealed class S3ConnectionPool(S3StoreSettings settings) : HttpMessageHandler
{
    private readonly object _gate = new();
    private HttpMessageInvoker _current = new(NewSockets(settings), disposeHandler: true);
    private bool _disposed;

    /// <summary>How many times the pool was replaced (tests, diagnostics).</summary>
    public int Retirements { get; private set; }

    public void Retire()
    {
        HttpMessageInvoker old;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            old = _current;
            _current = new HttpMessageInvoker(NewSockets(settings), disposeHandler: true);
            Retirements++;
        }

        _ = Task.Delay(settings.RequestTimeout + settings.ConnectTimeout + TimeSpan.FromSeconds(1)).ContinueWith(_ => old.Dispose(), TaskScheduler.Default);
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        HttpMessageInvoker current;
        lock (_gate)
        {
            current = _current;
        }

        return current.SendAsync(request, cancellationToken);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lock (_gate)
            {
                _disposed = true;
                _current.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    private static SocketsHttpHandler NewSockets(S3StoreSettings settings) => new()
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
}

/// <summary>Gives the SDK one <see cref="HttpClient"/> per store, built on <see cref="S3TransportHandler"/>.</summary>
internal sealed class S3HttpClientFactory : HttpClientFactory, IDisposable
{
    private readonly HttpClient _client;

    public S3HttpClientFactory(S3StoreSettings settings, StoreRequestCounter counter, HttpMessageHandler? transport)
    {
        transport ??= new S3ConnectionPool(settings);
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
