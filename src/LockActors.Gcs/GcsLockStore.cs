using System.Globalization;
using System.Security.Cryptography;

namespace LockActors.Gcs;

/// <summary>
/// The <c>gs://bucket/object</c> store: sidecars are Google Cloud Storage objects, written through the JSON API with
/// generation preconditions, so every primitive is atomic on the server.
/// </summary>
/// <remarks>
/// <para><b>Requests</b> (uncontended, no faults; a refused create or replace costs one more, a metadata read): create = 1 (media upload <c>ifGenerationMatch=0</c>), replace = 1
/// (upload <c>ifGenerationMatch=&lt;generation&gt;</c>), delete = 1 (<c>DELETE ifGenerationMatch</c>), read = 1
/// (<c>alt=media</c>: bytes, <c>x-goog-generation</c>, <c>Last-Modified</c> and <c>Date</c> from one reply, so they always
/// belong together; when a proxy or GCS-compatible server strips those headers, 2–3 requests: metadata plus a download
/// pinned to one generation).</para>
/// <para><b>Version</b> = the object's generation, which GCS makes strictly growing per object name (also across delete
/// and re-create), so it doubles as a fencing token. <b>Clock</b>: the server's — <c>ModifiedAt</c> is the object's
/// <c>Last-Modified</c> (its <c>updated</c> time in whole seconds), <c>StoreNow</c> the same reply's <c>Date</c>; both are
/// truncated to the second, so <see cref="SidecarSnapshot.Age"/> is within ±1 s of the truth (<c>ClockResolution</c> = 1 s).</para>
/// <para><b>Retries</b>: 429 / 408 / 5xx / timeouts / dropped connections are retried with capped, jittered backoff
/// (<see cref="GcsRetryPolicy"/>). A conditional write whose outcome is unknown is never re-sent blindly: the store
/// re-reads the object's metadata and decides — current generation still the expected one (or absent, for a create):
/// not applied, send again (still conditional, so it can win at most once); another generation whose MD5 equals the bytes
/// this call wrote: applied, return it; anything else: lost the race. If the outcome stays unknown after
/// <see cref="GcsRetryPolicy.MaxAttempts"/>, the call fails with <see cref="StoreUnavailableException"/>. A 412 (or, for a
/// delete, 404) answering such a re-send is resolved the same way, because the first, delayed attempt may be what
/// changed the object; so is a 412 to a first send (one metadata read), because the HTTP stack itself re-sends a request
/// whose reused connection closed before replying, and the re-send of a write that landed is refused. A 412 is never
/// retried into <see cref="StoreUnavailableException"/>: a contended key flips between present and absent, and a refused
/// create that finds it gone again lost to a holder that has released since (null). The content check relies on concurrent writers writing different bytes, which lock metadata
/// guarantees (unique lock id and times).
/// An unknown-outcome delete that finds the object gone reports <c>true</c> (the expected version no longer exists).</para>
/// <para><b>Cancellation</b>: a call cancelled by its token ends with <see cref="OperationCanceledException"/>; a write
/// already sent may still have landed (a later read shows it), exactly as if the caller had crashed.</para>
/// <para>Verified against the in-repo emulator built from Google's documented semantics, not against Google's service.
/// Real GCS also limits mutations of one object name to about one per second; bursts beyond that get 429 and are
/// retried as above.</para>
/// </remarks>
public sealed class GcsLockStore : ILockStore
{
    private const int MaxReadRounds = 5;
    private readonly GcsJsonApi _api;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly TimeProvider _clock;

    /// <summary>Creates the store. It owns a new <see cref="HttpClient"/> unless <paramref name="http"/> is given.</summary>
    public GcsLockStore(GcsStoreSettings? settings = null, HttpClient? http = null, TimeProvider? clock = null)
    {
        Settings = settings ?? GcsStoreSettings.Default;
        _ownsHttp = http is null;
        _http = http ?? new HttpClient(new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AutomaticDecompression = System.Net.DecompressionMethods.None,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan, // each request is bounded by Settings.RequestTimeout instead
        };
        _clock = clock ?? TimeProvider.System;
        _api = new GcsJsonApi(_http, Settings);
    }

    /// <summary>The settings this store was built with.</summary>
    public GcsStoreSettings Settings { get; }

    /// <inheritdoc />
    public StoreCapabilities Capabilities { get; } = StoreCapabilities.ServerSide(
        TimeSpan.FromSeconds(1),
        "GCS JSON API: upload ifGenerationMatch=0 (create) / ifGenerationMatch=<generation> (replace), DELETE ifGenerationMatch; unknown outcomes resolved by re-reading");

    /// <summary>The fencing token of a version written by this store: its GCS generation (strictly growing per object name).</summary>
    internal static long GenerationOf(SidecarVersion version) =>
        TryParseGeneration(version, out var generation) ? generation : throw new ArgumentException($"'{version}' is not a GCS generation.", nameof(version));

    /// <inheritdoc />
    public Task<SidecarVersion?> TryCreateAsync(SidecarKey key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        SidecarLimits.EnsureWithinLimit(key, content.Length);
        return ConditionalUploadAsync(key, content, expectedGeneration: 0, cancellationToken);
    }

    /// <inheritdoc />
    public Task<SidecarVersion?> TryReplaceAsync(SidecarKey key, ReadOnlyMemory<byte> content, SidecarVersion expected, CancellationToken cancellationToken = default)
    {
        SidecarLimits.EnsureWithinLimit(key, content.Length);
        return TryParseGeneration(expected, out var generation) && generation > 0
            ? ConditionalUploadAsync(key, content, generation, cancellationToken)
            : Task.FromResult<SidecarVersion?>(null); // not a version of this store: it cannot be current
    }

    /// <inheritdoc />
    public async Task<bool> TryDeleteAsync(SidecarKey key, SidecarVersion expected, CancellationToken cancellationToken = default)
    {
        if (!TryParseGeneration(expected, out var generation) || generation <= 0)
        {
            return false;
        }

        var (bucket, name) = Locate(key);
        var failures = 0;
        var unknown = false;
        var earlierAttemptUnknown = false;
        var lastDetail = string.Empty;
        while (true)
        {
            if (!unknown)
            {
                var deleted = await _api.DeleteAsync(bucket, name, generation, cancellationToken).ConfigureAwait(false);
                switch (deleted.Outcome)
                {
                    case GcsOutcome.Ok:
                        return true;
                    case GcsOutcome.PreconditionFailed or GcsOutcome.ObjectNotFound when !earlierAttemptUnknown:
                        return false;
                    case GcsOutcome.BucketNotFound:
                        throw new StoreLocationNotFoundException(key, $"bucket '{bucket}' does not exist");
                }

                // Unknown — or a "lost" answer to a re-send, which our own earlier, delayed attempt may have caused.
                unknown = true;
                earlierAttemptUnknown = true;
                lastDetail = deleted.Detail;
            }

            await BackOffOrGiveUpAsync(key, ++failures, "delete", lastDetail, cancellationToken).ConfigureAwait(false);
            var current = await _api.GetMetadataAsync(bucket, name, cancellationToken).ConfigureAwait(false);
            switch (current.Outcome)
            {
                case GcsOutcome.Unknown:
                    lastDetail = current.Detail;
                    continue;
                case GcsOutcome.BucketNotFound:
                    throw new StoreLocationNotFoundException(key, $"bucket '{bucket}' does not exist");
                case GcsOutcome.ObjectNotFound:
                    return true; // the expected generation is gone; another caller could only have removed it with the same version
                case GcsOutcome.Ok when current.Value!.Generation == generation:
                    unknown = false; // not applied: the delete is still conditional, so sending it again is safe
                    continue;
                default:
                    return false;
            }
        }
    }

    /// <inheritdoc />
    public async Task<SidecarSnapshot?> ReadAsync(SidecarKey key, CancellationToken cancellationToken = default)
    {
        var (bucket, name) = Locate(key);
        var failures = 0;
        GcsObjectInfo? pinned = null; // set when the download must be of exactly this generation (fallback path)
        for (var round = 0; round < MaxReadRounds; round++)
        {
            // An oversized object comes back as its first MaxBytes + 1 bytes (the codec refuses them as too large) with
            // its real generation, so a stale policy can still take it over by compare-and-swap.
            var media = await RetryTransientAsync(key, () => _api.GetMediaAsync(bucket, name, pinned?.Generation, cancellationToken), () => ++failures, cancellationToken)
                .ConfigureAwait(false);

            switch (media.Outcome)
            {
                case GcsOutcome.ObjectNotFound when pinned is null:
                    return null;
                case GcsOutcome.ObjectNotFound:
                    pinned = null; // that generation was replaced or deleted meanwhile: read the new state
                    continue;
                case GcsOutcome.BucketNotFound:
                    throw new StoreLocationNotFoundException(key, $"bucket '{bucket}' does not exist");
            }

            var (content, sentGeneration, lastModified) = media.Value!;
            var now = media.ServerDate ?? _clock.GetUtcNow();
            var generation = sentGeneration ?? pinned?.Generation;
            if (generation is { } g && pinned?.Generation == g)
            {
                return new SidecarSnapshot(content, VersionOf(g), pinned.Updated, now);
            }

            if (generation is { } known && lastModified is { } modified)
            {
                return new SidecarSnapshot(content, VersionOf(known), modified, now); // the normal case: one request
            }

            // A proxy or GCS-compatible server stripped x-goog-generation or Last-Modified: take both from the metadata
            // (of that generation when known), then download exactly that generation if the bytes could be another one.
            var meta = await RetryTransientAsync(key, () => _api.GetMetadataAsync(bucket, name, cancellationToken, generation), () => ++failures, cancellationToken)
                .ConfigureAwait(false);
            switch (meta.Outcome)
            {
                case GcsOutcome.ObjectNotFound when generation is null:
                    return null;
                case GcsOutcome.ObjectNotFound:
                    pinned = null;
                    continue;
                case GcsOutcome.BucketNotFound:
                    throw new StoreLocationNotFoundException(key, $"bucket '{bucket}' does not exist");
            }

            if (generation is { } exact)
            {
                return new SidecarSnapshot(content, VersionOf(exact), meta.Value!.Updated, meta.ServerDate ?? now);
            }

            pinned = meta.Value!;
        }

        throw new StoreUnavailableException($"'{key}' changed under every one of {MaxReadRounds} consecutive reads; giving up.");
    }

    /// <summary>Disposes the owned <see cref="HttpClient"/>.</summary>
    public ValueTask DisposeAsync()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private async Task<SidecarVersion?> ConditionalUploadAsync(SidecarKey key, ReadOnlyMemory<byte> content, long expectedGeneration, CancellationToken cancellationToken)
    {
        var (bucket, name) = Locate(key);
        var operation = expectedGeneration == 0 ? "create" : "replace";
        var failures = 0;
        var unknown = false;
        var lastDetail = string.Empty;
        while (true)
        {
            if (!unknown)
            {
                var written = await _api.UploadAsync(bucket, name, content, expectedGeneration, cancellationToken).ConfigureAwait(false);
                switch (written.Outcome)
                {
                    case GcsOutcome.Ok:
                        return VersionOf(written.Value!.Generation);
                    case GcsOutcome.PreconditionFailed:
                        // A definite refusal: lost, unless the object refusing us is our own write — SocketsHttpHandler
                        // transparently re-sends a request whose reused connection closed before any reply, and so do we
                        // after an unknown outcome. One metadata read tells us. Never retried into an outage: a contended
                        // create that finds the key gone again was beaten by a holder that has released since.
                        return await OwnWriteBehindRefusalAsync(key, bucket, name, content, expectedGeneration, failures > 0, cancellationToken).ConfigureAwait(false);
                    case GcsOutcome.BucketNotFound or GcsOutcome.ObjectNotFound: // an upload's only 404 is the bucket
                        throw new StoreLocationNotFoundException(key, $"bucket '{bucket}' does not exist");
                }

                unknown = true;
                lastDetail = written.Detail;
            }

            await BackOffOrGiveUpAsync(key, ++failures, operation, lastDetail, cancellationToken).ConfigureAwait(false);
            var current = await _api.GetMetadataAsync(bucket, name, cancellationToken).ConfigureAwait(false);
            switch (current.Outcome)
            {
                case GcsOutcome.Unknown:
                    lastDetail = current.Detail;
                    continue;
                case GcsOutcome.BucketNotFound:
                    throw new StoreLocationNotFoundException(key, $"bucket '{bucket}' does not exist");
                case GcsOutcome.ObjectNotFound when expectedGeneration == 0:
                    unknown = false; // the create did not land: sending it again is still create-if-absent
                    continue;
                case GcsOutcome.ObjectNotFound:
                    return null; // the sidecar we meant to replace is gone
            }

            var info = current.Value!;
            if (info.Generation == expectedGeneration)
            {
                unknown = false; // not applied: still conditional on the same generation, so at most one send can win
                continue;
            }

            return await HoldsOurBytesAsync(bucket, name, info, content, cancellationToken).ConfigureAwait(false) ? VersionOf(info.Generation) : null;
        }
    }

    private async Task<SidecarVersion?> OwnWriteBehindRefusalAsync(
        SidecarKey key, string bucket, string name, ReadOnlyMemory<byte> content, long expectedGeneration, bool earlierAttemptUnknown, CancellationToken cancellationToken)
    {
        // The 412 itself was definitive, so an absent object or another writer's bytes mean lost: had our own write
        // landed, nobody else could have removed it by now. After an unknown attempt the check must succeed (our write
        // may be the one refusing us); after a first send an inconclusive check reports the refusal (never a win).
        var failures = 0;
        var current = earlierAttemptUnknown
            ? await RetryTransientAsync(key, () => _api.GetMetadataAsync(bucket, name, cancellationToken), () => ++failures, cancellationToken).ConfigureAwait(false)
            : await _api.GetMetadataAsync(bucket, name, cancellationToken).ConfigureAwait(false);
        return current.Outcome == GcsOutcome.Ok && current.Value!.Generation != expectedGeneration &&
               await HoldsOurBytesAsync(bucket, name, current.Value, content, cancellationToken).ConfigureAwait(false)
            ? VersionOf(current.Value.Generation)
            : null;
    }

    private async Task<bool> HoldsOurBytesAsync(string bucket, string name, GcsObjectInfo info, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        if (info.Size != content.Length)
        {
            return false;
        }

        return info.Md5Base64 is { } stored
            ? string.Equals(stored, Convert.ToBase64String(MD5.HashData(content.Span)), StringComparison.Ordinal)
            : await ContentEqualsAsync(bucket, name, info.Generation, content, cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> ContentEqualsAsync(string bucket, string name, long generation, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var media = await _api.GetMediaAsync(bucket, name, generation, cancellationToken).ConfigureAwait(false);
        return media.Outcome == GcsOutcome.Ok && media.Value!.Content.AsSpan().SequenceEqual(content.Span);
    }

    private async Task<GcsResult<T>> RetryTransientAsync<T>(SidecarKey key, Func<Task<GcsResult<T>>> send, Func<int> nextFailure, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await send().ConfigureAwait(false);
            if (result.Outcome != GcsOutcome.Unknown)
            {
                return result;
            }

            await BackOffOrGiveUpAsync(key, nextFailure(), "read", result.Detail, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task BackOffOrGiveUpAsync(SidecarKey key, int failures, string operation, string detail, CancellationToken cancellationToken)
    {
        if (failures >= Settings.Retry.MaxAttempts)
        {
            var state = operation == "read" ? "could not be read" : "has an unknown outcome";
            throw new StoreUnavailableException(
                $"GCS {operation} of '{key}' {state} after {failures} transient failure(s); last: {detail}");
        }

        await Task.Delay(Settings.Retry.BackoffFor(failures), _clock, cancellationToken).ConfigureAwait(false);
    }

    private static (string Bucket, string Name) Locate(SidecarKey key)
    {
        if (!string.Equals(key.Target.Scheme, "gs", StringComparison.Ordinal))
        {
            throw new InvalidLockTargetException(key.Target.Normalized, "the GCS store only serves gs:// targets");
        }

        if (!string.IsNullOrEmpty(key.Target.Uri.UserInfo) || key.Target.Uri.Port > 0 && !key.Target.Uri.IsDefaultPort)
        {
            throw new InvalidLockTargetException(key.Target.Normalized, "gs:// targets are gs://bucket/object (no user or port)");
        }

        return (key.Authority, key.ObjectName);
    }

    private static SidecarVersion VersionOf(long generation) => new(generation.ToString(CultureInfo.InvariantCulture));

    private static bool TryParseGeneration(SidecarVersion version, out long generation) =>
        long.TryParse(version.Value, NumberStyles.None, CultureInfo.InvariantCulture, out generation);
}
