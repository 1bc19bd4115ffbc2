using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Amazon.S3;

namespace LockActors.TestServers.S3;

/// <summary>
/// Test double: an AWS-like S3 endpoint in front of Ceph RGW 16.2. It adds what AWS does and RGW does not, with AWS's
/// documented answers: <c>DELETE If-Match</c> is honoured (412 PreconditionFailed on another ETag, 404 NoSuchKey when
/// the object is missing), and <c>PUT If-Match</c> accepts the quoted ETag of RFC 7232 (RGW only matches the bare one;
/// 404 NoSuchKey on a missing key, as AWS answers). Every PUT and DELETE of one object is serialised in-process, so
/// the check-then-delete is atomic for the requests that pass through this handler (which is all a test sends); a
/// quoted <c>PUT If-Match</c> is re-sent to RGW with the bare ETag, so RGW itself still enforces it against everyone.
/// </summary>
internal sealed class ConditionalDeleteEmulator : DelegatingHandler
{
    private static readonly Lazy<AmazonS3Client> Raw = new(() => S3TestServer.RawClient());
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _objectLocks = new(StringComparer.Ordinal);

    public ConditionalDeleteEmulator(HttpMessageHandler? inner = null) => InnerHandler = inner ?? new SocketsHttpHandler();

    /// <summary>DELETE If-Match requests that were refused here instead of reaching the server.</summary>
    public int Refused;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Method != HttpMethod.Put && request.Method != HttpMethod.Delete)
        {
            return await base.SendAsync(request, cancellationToken);
        }

        var path = request.RequestUri!.AbsolutePath;
        var gate = _objectLocks.GetOrAdd(path, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (request.Method == HttpMethod.Delete && request.Headers.TryGetValues("If-Match", out var values))
            {
                var expected = values.Single().Trim().Trim('"');
                var current = await CurrentETagAsync(path, cancellationToken);
                if (current is null)
                {
                    Interlocked.Increment(ref Refused);
                    return Error(request, HttpStatusCode.NotFound, "NoSuchKey");
                }

                if (expected != "*" && current != expected)
                {
                    Interlocked.Increment(ref Refused);
                    return Error(request, HttpStatusCode.PreconditionFailed, "PreconditionFailed");
                }
            }

            if (request.Method == HttpMethod.Put && request.Headers.TryGetValues("If-Match", out var ifMatch) && ifMatch.Single().Trim().StartsWith('"'))
            {
                return await QuotedIfMatchPutAsync(request, path, ifMatch.Single().Trim().Trim('"'), cancellationToken);
            }

            return await base.SendAsync(request, cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>PUT If-Match "etag" as AWS answers it: 404 when missing, else RGW decides on the bare ETag.</summary>
    private async Task<HttpResponseMessage> QuotedIfMatchPutAsync(HttpRequestMessage request, string path, string expected, CancellationToken ct)
    {
        if (await CurrentETagAsync(path, ct) is null)
        {
            return Error(request, HttpStatusCode.NotFound, "NoSuchKey");
        }

        var parts = path.TrimStart('/').Split('/', 2);
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(ct);
        try
        {
            var put = await Raw.Value.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest
            {
                BucketName = parts[0],
                Key = Uri.UnescapeDataString(parts[1]),
                InputStream = new MemoryStream(body),
                IfMatch = expected,
                UseChunkEncoding = false,
                ContentType = "application/json",
            }, ct);
            var response = new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = request, Content = new ByteArrayContent([]) };
            response.Headers.ETag = new System.Net.Http.Headers.EntityTagHeaderValue("\"" + put.ETag.Trim('"') + "\"");
            return response;
        }
        catch (AmazonS3Exception e) when (e.StatusCode != 0)
        {
            return Error(request, e.StatusCode, e.ErrorCode ?? "UnknownError");
        }
    }

    private static async Task<string?> CurrentETagAsync(string path, CancellationToken ct)
    {
        var parts = path.TrimStart('/').Split('/', 2);
        try
        {
            var head = await Raw.Value.GetObjectMetadataAsync(parts[0], Uri.UnescapeDataString(parts[1]), ct);
            return head.ETag.Trim('"');
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private static HttpResponseMessage Error(HttpRequestMessage request, HttpStatusCode status, string code) => new(status)
    {
        RequestMessage = request,
        Content = new StringContent(
            $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>emulated conditional delete</Message></Error>",
            Encoding.UTF8, "application/xml"),
    };
}
