using System.Net;
using System.Text;

namespace LockActors.S3.Tests;

/// <summary>What <see cref="FaultInjectingHandler"/> does with one request.</summary>
internal enum Fault
{
    /// <summary>Forward untouched.</summary>
    None,

    /// <summary>Answer 500 without forwarding: the write did not apply.</summary>
    FailBeforeApplying,

    /// <summary>Forward (the write applies), then answer 500 instead of the real response: RGW's CAS-race 500.</summary>
    FailAfterApplying,

    /// <summary>Throw a connection error without forwarding.</summary>
    ConnectionRefused,

    /// <summary>Forward (the write applies), then never answer: the client's request timeout fires.</summary>
    HangAfterApplying,

    /// <summary>Answer 501 NotImplemented without forwarding, like OpenStack Swift's s3api to a conditional PUT.</summary>
    NotImplemented,

    /// <summary>Forward (the write applies), then fail with "connection reset by peer", like a server dying mid-answer.</summary>
    ResetAfterApplying,

    /// <summary>Forward (the write applies), then answer 412: what a transport-level re-send of a landed write gets.</summary>
    PreconditionFailedAfterApplying,

    /// <summary>Forward, then hand the body back without a Content-Length, as a chunked response would.</summary>
    StripContentLength,
}

/// <summary>Test double below the store's request counter: injects server errors into chosen requests.</summary>
internal sealed class FaultInjectingHandler(Func<HttpRequestMessage, Fault> choose) : DelegatingHandler(new SocketsHttpHandler())
{
    public int Injected;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var fault = choose(request);
        if (fault != Fault.None)
        {
            Interlocked.Increment(ref Injected);
        }

        switch (fault)
        {
            case Fault.ConnectionRefused:
                throw new HttpRequestException("injected: connection refused", null, HttpStatusCode.ServiceUnavailable);
            case Fault.FailBeforeApplying:
                return InternalError(request);
            case Fault.FailAfterApplying:
                using (await base.SendAsync(request, cancellationToken))
                {
                    return InternalError(request);
                }

            case Fault.HangAfterApplying:
                using (await base.SendAsync(request, cancellationToken))
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                    throw new InvalidOperationException("unreachable");
                }

            case Fault.ResetAfterApplying:
                using (await base.SendAsync(request, cancellationToken))
                {
                    throw new HttpRequestException("injected", new IOException("Connection reset by peer", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionReset)));
                }

            case Fault.PreconditionFailedAfterApplying:
                using (await base.SendAsync(request, cancellationToken))
                {
                    return new HttpResponseMessage(HttpStatusCode.PreconditionFailed)
                    {
                        RequestMessage = request,
                        Content = new StringContent(
                            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>PreconditionFailed</Code><Message>injected</Message></Error>",
                            Encoding.UTF8, "application/xml"),
                    };
                }

            case Fault.StripContentLength:
                var original = await base.SendAsync(request, cancellationToken);
                var body = await original.Content.ReadAsByteArrayAsync(cancellationToken);
                var chunked = new StreamContent(new NonSeekableStream(body));
                foreach (var header in original.Content.Headers.Where(h => h.Key != "Content-Length"))
                {
                    chunked.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }

                original.Content = chunked;
                return original;

            case Fault.NotImplemented:
                return new HttpResponseMessage(HttpStatusCode.NotImplemented)
                {
                    RequestMessage = request,
                    Content = new StringContent(
                        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>NotImplemented</Code><Message>injected</Message></Error>",
                        Encoding.UTF8, "application/xml"),
                };

            default:
                return await base.SendAsync(request, cancellationToken);
        }
    }

    private static HttpResponseMessage InternalError(HttpRequestMessage request) => new(HttpStatusCode.InternalServerError)
    {
        RequestMessage = request,
        Content = new StringContent(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>UnknownError</Code><Message>injected</Message></Error>",
            Encoding.UTF8, "application/xml"),
    };
}

/// <summary>A read-only stream with no length, so <see cref="StreamContent"/> cannot compute a Content-Length.</summary>
internal sealed class NonSeekableStream(byte[] data) : Stream
{
    private readonly MemoryStream _inner = new(data);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
