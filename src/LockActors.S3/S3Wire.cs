using System.Net;
using System.Net.Sockets;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using LockActors.Storage.Backends;

namespace LockActors.S3;

/// <summary>One GET of an object, tombstones included. <see cref="Content"/> holds at most
/// <see cref="SidecarLimits.MaxBytes"/> + 1 bytes: of a larger object only that prefix is downloaded, which is enough
/// for the codec to refuse it as too large while its ETag still allows a compare-and-swap takeover.</summary>
internal sealed record S3RawObject(byte[] Content, string ETag, DateTimeOffset LastModified, DateTimeOffset? ServerDate)
{
    public bool IsTombstone => S3Tombstone.Is(Content);

    public bool HasContent(ReadOnlySpan<byte> content) => content.SequenceEqual(Content);
}

/// <summary>
/// The few S3 calls the store makes, with errors classified once: lost races and unknown outcomes come back as
/// values, everything that is the caller's problem (credentials, missing bucket) is thrown as a typed
/// <see cref="LockStoreException"/> (an endpoint answering 501 to a condition: <see cref="StoreNotSafeException"/>).
/// Every call is one request, never retried here: the store decides through <see cref="RetryBudget"/> and
/// <see cref="ConditionalWriteResolver"/>. The SDK client runs with automatic retries off, so every attempt here is one
/// request and nothing is ever re-sent behind the store's back; the one exception is a request the endpoint refused
/// for clock skew (it never applied), re-sent once with the SDK's corrected signing time.
/// </summary>
internal sealed class S3Wire(IAmazonS3 client, string endpointName)
{
    private long _skewResends;

    public string EndpointName { get; } = endpointName;

    /// <summary>How many requests were re-sent after a clock-skew refusal (tests, diagnostics).</summary>
    public long SkewResends => Interlocked.Read(ref _skewResends);

    public async Task<WriteResult> PutAsync(
        SidecarKey key, string bucket, string name, ReadOnlyMemory<byte> content, string? ifMatch, bool ifNoneMatch, CancellationToken ct)
    {
        // A fresh request (and body stream, which the SDK closes) for every send, so a skew re-send starts clean.
        PutObjectRequest NewRequest()
        {
            var request = new PutObjectRequest
            {
                BucketName = bucket,
                Key = name,
                InputStream = new MemoryStream(content.ToArray(), writable: false),
                AutoCloseStream = true,
                ContentType = "application/json",
                UseChunkEncoding = false,
            };
            if (ifNoneMatch)
            {
                request.IfNoneMatch = "*";
            }

            if (ifMatch is not null)
            {
                request.IfMatch = ifMatch;
            }

            return request;
        }

        try
        {
            var (response, _) = await SendAsync(() => client.PutObjectAsync(NewRequest(), ct)).ConfigureAwait(false);
            var etag = S3ETag.Normalize(response.ETag);
            // Applied, but without its ETag the new version is unknown: the caller re-reads to learn it.
            return etag.Length > 0
                ? WriteResult.Applied(new SidecarVersion(etag))
                : WriteResult.Unknown($"S3 endpoint {EndpointName} answered a PUT without an ETag");
        }
        catch (Exception e) when (Classify(e, ct) is var kind && kind != S3Failure.Fatal)
        {
            return WriteOutcomeOf(kind, e, key, bucket);
        }
    }

    /// <summary>How a failed conditional PUT or DELETE ends; failures that are not a write outcome are thrown typed.</summary>
    private WriteResult WriteOutcomeOf(S3Failure kind, Exception e, SidecarKey key, string bucket) => kind switch
    {
        S3Failure.PreconditionFailed => WriteResult.Refused(Describe(e), e),
        // AWS answers PUT If-Match on a missing key with 404 NoSuchKey: nothing there, nothing written.
        S3Failure.KeyNotFound => WriteResult.Refused(Describe(e), e),
        S3Failure.Transient => WriteResult.Unknown(Describe(e), e),
        _ => throw Translate(kind, e, key, bucket),
    };

    public async Task<WriteResult> DeleteAsync(SidecarKey key, string bucket, string name, string? ifMatch, CancellationToken ct)
    {
        DeleteObjectRequest NewRequest() => ifMatch is null
            ? new DeleteObjectRequest { BucketName = bucket, Key = name }
            : new DeleteObjectRequest { BucketName = bucket, Key = name, IfMatch = ifMatch };

        try
        {
            await SendAsync(() => client.DeleteObjectAsync(NewRequest(), ct)).ConfigureAwait(false);
            return WriteResult.Applied();
        }
        catch (Exception e) when (Classify(e, ct) is var kind && kind != S3Failure.Fatal)
        {
            return WriteOutcomeOf(kind, e, key, bucket);
        }
    }

    /// <summary>One GET of the object: found, not found, or a transient failure for the caller's <see cref="RetryBudget"/>.</summary>
    public async Task<ReadResult<S3RawObject>> GetAsync(SidecarKey key, string bucket, string name, CancellationToken ct)
    {
        try
        {
            var (response, serverDate) = await SendAsync(() => client.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = name }, ct)).ConfigureAwait(false);
            using var disposeResponse = response;
            var etag = S3ETag.Normalize(response.ETag);
            if (etag.Length == 0)
            {
                // Without an ETag no compare-and-swap can name this state: not an endpoint locks can work on.
                throw new StoreNotSafeException($"S3 endpoint {EndpointName} answered a GET of '{key}' without an ETag; compare-and-swap is impossible there.");
            }

            // At most one byte past the limit, whatever the declared length (a chunked response declares none):
            // enough to refuse an oversized sidecar while keeping its ETag for a takeover.
            var content = await BoundedDownload.ReadAsync(response.ResponseStream, ct).ConfigureAwait(false);
            if (response.LastModified is not { } lastModified)
            {
                // Staleness is judged from Last-Modified: guessing it would make every lock look ancient (or new).
                throw new StoreNotSafeException($"S3 endpoint {EndpointName} answered a GET of '{key}' without Last-Modified; lock staleness cannot be judged there.");
            }

            return ReadResult<S3RawObject>.Found(new S3RawObject(content, etag, ToUtc(lastModified), serverDate));
        }
        catch (Exception e) when (Classify(e, ct) is var kind && kind != S3Failure.Fatal)
        {
            return kind switch
            {
                S3Failure.KeyNotFound => ReadResult<S3RawObject>.NotFound,
                S3Failure.Transient => ReadResult<S3RawObject>.Transient($"S3 endpoint {EndpointName} did not answer a read of '{key}' ({Describe(e)})", e),
                _ => throw Translate(kind, e, key, bucket),
            };
        }
    }

    /// <summary>One page of the object names under <paramref name="prefix"/> (ListObjectsV2) and the token of the next page, if any (a missing bucket names <c>anchor</c>).</summary>
    public async Task<(IReadOnlyList<string> Names, string? Next)> ListPageAsync(
        SidecarKey anchor, string bucket, string prefix, string? continuation, CancellationToken ct)
    {
        try
        {
            var (response, _) = await SendAsync(() => client.ListObjectsV2Async(
                new ListObjectsV2Request { BucketName = bucket, Prefix = prefix, ContinuationToken = continuation }, ct)).ConfigureAwait(false);
            var names = response.S3Objects?.Select(o => o.Key).ToArray() ?? [];
            return (names, response.IsTruncated == true ? response.NextContinuationToken : null);
        }
        catch (Exception e) when (Classify(e, ct) is var kind && kind != S3Failure.Fatal)
        {
            throw Translate(kind is S3Failure.KeyNotFound ? S3Failure.BucketNotFound : kind, e, anchor, bucket);
        }
    }

    /// <summary>
    /// One SDK call, re-sent once when the endpoint refused it for its signing time (this host's clock is off from the
    /// server's). The AWS SDK records the endpoint's clock offset from every response's <c>Date</c>, refusals included
    /// (<see cref="CorrectClockSkew"/>), and signs later requests to that endpoint with the corrected time; its own
    /// re-send of a skew refusal is one of the retries the store switches off (<c>MaxErrorRetry = 0</c>), so the store
    /// re-sends here instead, exactly once. Returns the response and the server's <c>Date</c> of the request that
    /// answered.
    /// </summary>
    private async Task<(T Response, DateTimeOffset? ServerDate)> SendAsync<T>(Func<Task<T>> send)
    {
        var server = S3TransportHandler.CaptureServerClock();
        try
        {
            return (await send().ConfigureAwait(false), server.Value?.Date);
        }
        catch (AmazonServiceException e) when (IsClockSkewRefusal(e, server.Value) && SkewCorrectionEnabled)
        {
            Interlocked.Increment(ref _skewResends);
        }

        // A request refused for clock skew failed authentication, so it never applied: re-sending it is safe even for a conditional write.
        server = S3TransportHandler.CaptureServerClock();
        return (await send().ConfigureAwait(false), server.Value?.Date);
    }

    /// <summary>The SDK's clock-skew error codes (<c>RetryPolicy</c>); like the SDK, they count as skew only when the
    /// refusal's <c>Date</c> is more than <see cref="SkewThreshold"/> away from this host's clock.</summary>
    private static readonly HashSet<string> SkewErrorCodes = new(StringComparer.OrdinalIgnoreCase)
    {
        "RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture", "InvalidSignatureException", "SignatureDoesNotMatch",
        "AuthFailure", "AccessDeniedException",
    };

    /// <summary>The AWS clock-skew specification's detection threshold (S3 itself refuses past 15 minutes).</summary>
    internal static readonly TimeSpan SkewThreshold = TimeSpan.FromMinutes(4);

    internal static bool IsClockSkewRefusal(AmazonServiceException e, S3ServerClock? server) =>
        e.ErrorCode is { } code && SkewErrorCodes.Contains(code) && server is { } clock && clock.Skew.Duration() > SkewThreshold;

    /// <summary>Whether the SDK learns clock offsets at all: the store's client never disables it, but the process-wide
    /// <see cref="AWSConfigs.CorrectForClockSkew"/> = false or a fixed <see cref="AWSConfigs.ManualClockCorrection"/> do.</summary>
    internal static bool SkewCorrectionEnabled => AWSConfigs.CorrectForClockSkew && AWSConfigs.ManualClockCorrection is null;

    /// <summary>Maps a non-race failure to the contract's exception types.</summary>
    public Exception Translate(S3Failure kind, Exception e, SidecarKey key, string bucket) => kind switch
    {
        S3Failure.AccessDenied => new StoreAccessDeniedException($"S3 endpoint {EndpointName} denied access to bucket '{bucket}' ({Describe(e)}){SkewHint(e)}.", e),
        S3Failure.BucketNotFound => new StoreLocationNotFoundException(key, $"bucket '{bucket}' does not exist on {EndpointName}", e),
        S3Failure.NotImplemented => new StoreNotSafeException($"S3 endpoint {EndpointName} does not implement conditional requests ({Describe(e)})."),
        S3Failure.Transient => new StoreUnavailableException($"S3 endpoint {EndpointName} is unavailable ({Describe(e)}).", e),
        _ => new StoreUnavailableException($"S3 endpoint {EndpointName} failed on '{key}' ({Describe(e)}).", e),
    };

    /// <summary>Why a skew refusal was not cured by the SDK's correction, for the access-denied message.</summary>
    private static string SkewHint(Exception e) =>
        e is AmazonServiceException { ErrorCode: "RequestTimeTooSkewed" or "RequestExpired" or "RequestInTheFuture" }
            ? "; the request's signing time was refused: this host's clock is too far from the server's" + (SkewCorrectionEnabled
                ? string.Empty
                : " and the AWS SDK's clock-skew correction is off in this process (AWSConfigs.CorrectForClockSkew = false or AWSConfigs.ManualClockCorrection set)")
            : string.Empty;

    public static string Describe(Exception e) => e switch
    {
        AmazonServiceException s when s.StatusCode != 0 => $"HTTP {(int)s.StatusCode} {s.ErrorCode}".TrimEnd(),
        _ => e.GetBaseException().Message,
    };

    internal enum S3Failure
    {
        /// <summary>Cancelled by the caller: not ours to classify.</summary>
        Fatal,
        PreconditionFailed,
        KeyNotFound,
        BucketNotFound,
        AccessDenied,
        NotImplemented,
        Transient,
        Other,
    }

    private static S3Failure Classify(Exception e, CancellationToken ct)
    {
        if (ct.IsCancellationRequested && e is OperationCanceledException || e is LockStoreException)
        {
            return S3Failure.Fatal;
        }

        if (e is AmazonServiceException { StatusCode: not 0 } s)
        {
            var code = s.ErrorCode ?? string.Empty;
            return (s.StatusCode, code) switch
            {
                (HttpStatusCode.PreconditionFailed, _) => S3Failure.PreconditionFailed,
                (_, "NoSuchBucket") => S3Failure.BucketNotFound,
                (HttpStatusCode.NotFound, _) => S3Failure.KeyNotFound,
                (HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized, _) => S3Failure.AccessDenied,
                (_, "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "AccessDenied" or "ExpiredToken" or "InvalidToken") => S3Failure.AccessDenied,
                (HttpStatusCode.NotImplemented, _) or (_, "NotImplemented") => S3Failure.NotImplemented,
                // 409 ConditionalRequestConflict (AWS: a concurrent conditional write), 408/429 and every 5xx:
                // the request may have been applied. RGW 16.2 answers some CAS-race losers with 500.
                (HttpStatusCode.Conflict or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests, _) => S3Failure.Transient,
                (_, "RequestTimeout" or "SlowDown") => S3Failure.Transient,
                var (status, _) when (int)status >= 500 => S3Failure.Transient,
                _ => S3Failure.Other,
            };
        }

        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is HttpRequestException or SocketException or IOException or TimeoutException or OperationCanceledException)
            {
                return S3Failure.Transient;
            }
        }

        // No credentials in the default chain, or the SDK refused to sign: a configuration problem.
        return e is AmazonClientException && e.Message.Contains("credential", StringComparison.OrdinalIgnoreCase)
            ? S3Failure.AccessDenied
            : e is AmazonServiceException ? S3Failure.Transient : S3Failure.Other;
    }

    private static DateTimeOffset ToUtc(DateTime value) => value.Kind == DateTimeKind.Local
        ? new DateTimeOffset(value.ToUniversalTime(), TimeSpan.Zero)
        : new DateTimeOffset(DateTime.SpecifyKind(value, DateTimeKind.Utc), TimeSpan.Zero);
}

/// <summary>ETag spelling. The store keeps ETags unquoted; the endpoint probe finds which form <c>If-Match</c> needs.</summary>
internal static class S3ETag
{
    public static string Normalize(string? etag) => (etag ?? string.Empty).Trim().Trim('"');

    /// <summary>RFC 7232 (AWS) wants <c>"etag"</c>; Ceph RGW 16.2 only matches the bare <c>etag</c>.</summary>
    public static string ForIfMatch(string etag, bool quoted) => quoted ? "\"" + etag + "\"" : etag;
}
