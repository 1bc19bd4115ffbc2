using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Amazon.S3;

namespace LockActors.Storage.Tests.Stores.S3;

/// <summary>
/// Test double: makes <c>DELETE If-Match</c> honest on an endpoint that ignores it (Ceph RGW 16.2), with AWS's
/// documented answers: 412 PreconditionFailed on another ETag, 404 NoSuchKey when the object is missing.
/// Every PUT and DELETE of one object is serialised in-process, so the check-then-delete is atomic for the
/// requests that pass through this handler (which is all a conformance test sends).
/// </summary>
internal sealed class ConditionalDeleteEmulator : DelegatingHandler
{
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

            return await base.SendAsync(request, cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    private static async Task<string?> CurrentETagAsync(string path, CancellationToken ct)
    {
        var parts = path.TrimStart('/').Split('/', 2);
        using var client = S3TestServer.RawClient();
        try
        {
            var head = await client.GetObjectMetadataAsync(parts[0], Uri.UnescapeDataString(parts[1]), ct);
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
