using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using LockActors.Storage.Backends;

namespace LockActors.Gcs;

/// <summary>The object resource fields the store uses, with the server's <c>Date</c> of the reply.</summary>
internal sealed record GcsObjectInfo(long Generation, DateTimeOffset Updated, long Size, string? Md5Base64, DateTimeOffset? ServerDate = null);

/// <summary>One page of an object listing: the names, and the token of the next page (null on the last).</summary>
internal sealed record GcsListPage(IReadOnlyList<string> Names, string? NextPageToken);

/// <summary>Object bytes with the generation (<c>x-goog-generation</c>), Last-Modified and <c>Date</c> of the same reply, when sent.</summary>
internal sealed record GcsMedia(byte[] Content, long? Generation, DateTimeOffset? LastModified, DateTimeOffset? ServerDate);

/// <summary>
/// The few Google Cloud Storage JSON API calls the store makes, over <see cref="HttpClient"/>. Each method sends exactly one
/// HTTP request (plus a token fetch that Google.Apis.Auth usually serves from its cache) and never retries; the store decides
/// what is safe to retry (<see cref="RetryBudget"/>, <see cref="ConditionalWriteResolver"/>). 429, 408, 5xx, timeouts and
/// broken connections come back as an unknown write outcome or a transient read failure; a missing bucket throws
/// <see cref="StoreLocationNotFoundException"/>; 401/403 throw <see cref="StoreAccessDeniedException"/>; other unexpected
/// statuses throw <see cref="StoreUnavailableException"/>; the caller's cancellation propagates as <see cref="OperationCanceledException"/>.
/// </summary>
internal sealed class GcsWire(HttpClient http, GcsStoreSettings settings, StoreRequestCounter requests)
{
    private readonly string _base = settings.Endpoint.ToString().TrimEnd('/');

    /// <summary>Media upload, conditional on <paramref name="ifGenerationMatch"/> (0 = only if absent).</summary>
    public async Task<WriteResult> UploadAsync(SidecarKey key, string bucket, string name, ReadOnlyMemory<byte> content, long ifGenerationMatch, CancellationToken cancellationToken) =>
        WriteResultOf(await SendAsync(
            key,
            bucket,
            () =>
            {
                var request = new HttpRequestMessage(HttpMethod.Post,
                    $"{_base}/upload/storage/v1/b/{Escape(bucket)}/o?uploadType=media&name={Escape(name)}&ifGenerationMatch={Num(ifGenerationMatch)}")
                {
                    Content = new ReadOnlyMemoryContent(content),
                };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                return request;
            },
            ParseObjectAsync,
            cancellationToken).ConfigureAwait(false), info => VersionOf(info.Generation));

    /// <summary>Object metadata (generation, updated, size, md5), of the live object or of exactly <paramref name="generation"/>.</summary>
    public async Task<ReadResult<GcsObjectInfo>> GetMetadataAsync(SidecarKey key, string bucket, string name, CancellationToken cancellationToken, long? generation = null) =>
        ReadResultOf(await SendAsync(
            key,
            bucket,
            () => new HttpRequestMessage(HttpMethod.Get,
                $"{_base}/storage/v1/b/{Escape(bucket)}/o/{Escape(name)}" + (generation is { } g ? "?generation=" + Num(g) : string.Empty)),
            ParseObjectAsync,
            cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// The object's bytes with the generation they belong to (<c>x-goog-generation</c>) and <c>Last-Modified</c> when sent,
    /// all from one reply, so they always match. With <paramref name="generation"/>, exactly that generation
    /// (not found once it was replaced or deleted).
    /// </summary>
    public async Task<ReadResult<GcsMedia>> GetMediaAsync(SidecarKey key, string bucket, string name, long? generation, CancellationToken cancellationToken) =>
        ReadResultOf(await SendAsync(
            key,
            bucket,
            () => new HttpRequestMessage(HttpMethod.Get,
                $"{_base}/storage/v1/b/{Escape(bucket)}/o/{Escape(name)}?alt=media" + (generation is { } g ? "&generation=" + Num(g) : string.Empty)),
            async (response, ct) =>
            {
                long? current = response.Headers.TryGetValues("x-goog-generation", out var values) &&
                                long.TryParse(values.FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) && parsed > 0
                    ? parsed
                    : null;

                // At most one byte past the limit: enough for the codec to refuse an oversized sidecar, whose generation
                // still allows a compare-and-swap takeover. The rest of a huge body is never downloaded.
                var bytes = await ReadBoundedAsync(response, ct).ConfigureAwait(false);
                return new GcsMedia(bytes, current, response.Content.Headers.LastModified, response.Headers.Date);
            },
            cancellationToken).ConfigureAwait(false));

    /// <summary>One page of the object names under <paramref name="prefix"/> and the token of the next page, if any (a missing bucket names <c>anchor</c>).</summary>
    public async Task<ReadResult<GcsListPage>> ListPageAsync(SidecarKey anchor, string bucket, string prefix, string? pageToken, CancellationToken cancellationToken) =>
        ReadResultOf(await SendAsync(
            anchor,
            bucket,
            () => new HttpRequestMessage(HttpMethod.Get,
                $"{_base}/storage/v1/b/{Escape(bucket)}/o?prefix={Escape(prefix)}" + (pageToken is null ? string.Empty : "&pageToken=" + Escape(pageToken))),
            ParseListAsync,
            cancellationToken).ConfigureAwait(false));

    /// <summary>Delete, conditional on <paramref name="ifGenerationMatch"/>.</summary>
    public async Task<WriteResult> DeleteAsync(SidecarKey key, string bucket, string name, long ifGenerationMatch, CancellationToken cancellationToken) =>
        WriteResultOf(await SendAsync(
            key,
            bucket,
            () => new HttpRequestMessage(HttpMethod.Delete, $"{_base}/storage/v1/b/{Escape(bucket)}/o/{Escape(name)}?ifGenerationMatch={Num(ifGenerationMatch)}"),
            (_, _) => Task.FromResult<object>(true),
            cancellationToken).ConfigureAwait(false), _ => null);

    /// <summary>The store's version of a generation.</summary>
    public static SidecarVersion VersionOf(long generation) => new(generation.ToString(CultureInfo.InvariantCulture));

    /// <summary>A write's reply: 2xx applied; 412, or a 404 for the object (a conditional delete), refused; no reply or 408/429/5xx unknown.</summary>
    private static WriteResult WriteResultOf<T>(Reply<T> reply, Func<T, SidecarVersion?> version)
        where T : class => reply.Status switch
    {
        HttpStatusCode.OK => WriteResult.Applied(version(reply.Value!)),
        null => WriteResult.Unknown(reply.Detail, reply.Error),
        _ => WriteResult.Refused(reply.Detail),
    };

    /// <summary>A read's reply: 2xx found, 404 not found, no reply or 408/429/5xx transient.</summary>
    private static ReadResult<T> ReadResultOf<T>(Reply<T> reply)
        where T : class => reply.Status switch
    {
        HttpStatusCode.OK => ReadResult<T>.Found(reply.Value!),
        null => ReadResult<T>.Transient(reply.Detail, reply.Error),
        _ => ReadResult<T>.NotFound,
    };

    /// <summary>One reply: <see cref="HttpStatusCode.OK"/> (any 2xx) with its value, 412 or 404 (object), or null status for an unknown/transient failure.</summary>
    private readonly record struct Reply<T>(HttpStatusCode? Status, T? Value, string Detail, Exception? Error = null);

    /// <summary>
    /// Percent-encodes a bucket or object name for one path segment or query value: every reserved character,
    /// including <c>/</c> (→ <c>%2F</c>), space (→ <c>%20</c>) and <c>+</c> (→ <c>%2B</c>, which a query would read as a
    /// space); non-ASCII characters as UTF-8.
    /// </summary>
    internal static string Escape(string value) => Uri.EscapeDataString(value);

    private static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);

    private async Task<Reply<T>> SendAsync<T>(
        SidecarKey key, string bucket, Func<HttpRequestMessage> build, Func<HttpResponseMessage, CancellationToken, Task<T>> parse, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.RequestTimeout);
        using var request = build();
        try
        {
            if (await settings.Credentials.GetAccessTokenAsync(timeout.Token).ConfigureAwait(false) is { } token)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            requests.Record(request.Method.Method);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return new Reply<T>(HttpStatusCode.OK, await parse(response, timeout.Token).ConfigureAwait(false), "OK");
            }

            var (reason, message) = await ReadErrorAsync(response, timeout.Token).ConfigureAwait(false);
            var detail = $"{request.Method} {Redact(request.RequestUri)} → {status} {reason}: {message}";
            return response.StatusCode switch
            {
                HttpStatusCode.PreconditionFailed => new Reply<T>(HttpStatusCode.PreconditionFailed, default, detail),
                // An upload's only 404 is the bucket.
                HttpStatusCode.NotFound when IsMissingBucket(message) || request.Method == HttpMethod.Post =>
                    throw new StoreLocationNotFoundException(key, $"bucket '{bucket}' does not exist"),
                HttpStatusCode.NotFound => new Reply<T>(HttpStatusCode.NotFound, default, detail),
                HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => throw new StoreAccessDeniedException(
                    $"Google Cloud Storage denied the request with {settings.Credentials.Description}: {detail}"),
                HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests => new Reply<T>(null, default, detail),
                _ when status >= 500 => new Reply<T>(null, default, detail),
                _ => throw new StoreUnavailableException($"Google Cloud Storage rejected the request: {detail}"),
            };
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            return new Reply<T>(null, default, $"{request.Method} {Redact(request.RequestUri)} timed out after {settings.RequestTimeout}", e);
        }
        catch (HttpRequestException e)
        {
            return new Reply<T>(null, default, $"{request.Method} {Redact(request.RequestUri)} failed: {e.Message}", e);
        }
        catch (IOException e)
        {
            return new Reply<T>(null, default, $"{request.Method} {Redact(request.RequestUri)} failed while reading the reply: {e.Message}", e);
        }
    }

    // GCS answers a missing bucket with "The specified bucket does not exist." and a missing object with "No such object: b/o".
    private static bool IsMissingBucket(string message) =>
        !message.StartsWith("No such object", StringComparison.OrdinalIgnoreCase) &&
        message.Contains("bucket does not exist", StringComparison.OrdinalIgnoreCase);

    private static async Task<(string Reason, string Message)> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var doc = JsonDocument.Parse(text);
            var error = doc.RootElement.GetProperty("error");
            var message = error.TryGetProperty("message", out var m) ? m.GetString() ?? string.Empty : string.Empty;
            var reason = error.TryGetProperty("errors", out var list) && list.ValueKind == JsonValueKind.Array && list.GetArrayLength() > 0 &&
                         list[0].TryGetProperty("reason", out var r)
                ? r.GetString() ?? string.Empty
                : string.Empty;
            return (reason, message);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return (string.Empty, text.Length > 200 ? text[..200] : text);
        }
    }

    private static async Task<GcsObjectInfo> ParseObjectAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            try
            {
                using var doc = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
                var root = doc.RootElement;
                var generation = long.Parse(root.GetProperty("generation").GetString()!, NumberStyles.Integer, CultureInfo.InvariantCulture);
                return generation > 0
                    ? new GcsObjectInfo(
                        generation,
                        DateTimeOffset.Parse(root.GetProperty("updated").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
                        root.TryGetProperty("size", out var size) && size.GetString() is { } s ? long.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture) : 0,
                        root.TryGetProperty("md5Hash", out var md5) ? md5.GetString() : null,
                        response.Headers.Date)
                    : throw new FormatException($"generation {generation} is not positive");
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or FormatException or OverflowException or InvalidOperationException or ArgumentNullException)
            {
                // A hostile or broken reply (not JSON, missing or out-of-range fields) is an unusable store, never an untyped crash.
                throw new StoreUnavailableException($"Google Cloud Storage returned an unusable object resource: {e.Message}", e);
            }
        }
    }

    private static async Task<GcsListPage> ParseListAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            try
            {
                using var doc = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
                var root = doc.RootElement;
                var names = root.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Array
                    ? items.EnumerateArray().Select(item => item.GetProperty("name").GetString() ?? string.Empty).ToArray()
                    : [];
                var next = root.TryGetProperty("nextPageToken", out var token) ? token.GetString() : null;
                return new GcsListPage(names, string.IsNullOrEmpty(next) ? null : next);
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new StoreUnavailableException($"Google Cloud Storage returned an unusable object listing: {e.Message}", e);
            }
        }
    }

    private static async Task<byte[]> ReadBoundedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            return await BoundedDownload.ReadAsync(stream, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string Redact(Uri? uri) => uri is null ? "?" : uri.GetLeftPart(UriPartial.Path);
}
