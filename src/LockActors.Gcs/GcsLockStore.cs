using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using LockActors.Storage.Backends;

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
/// (<see cref="GcsStoreSettings.Retry"/>). A conditional write whose outcome is unknown is never re-sent blindly: the
/// store (<see cref="ConditionalWriteResolver"/>) re-reads the object's metadata and decides — current generation still the expected one (or absent, for a create):
/// not applied, send again (still conditional, so it can win at most once); another generation whose MD5 equals the bytes
/// this call wrote: applied, return it; anything else: lost the race. If the outcome stays unknown after
/// <see cref="RetryPolicy.MaxAttempts"/>, the call fails with <see cref="StoreUnavailableException"/>. A 412 (or, for a
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
public sealed class GcsLockStore : ILockStore, ILockStoreListing
{
    private const int MaxReadRounds = 5;
    private readonly GcsWire _wire;
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
        _wire = new GcsWire(_http, Settings, Requests);
    }

    /// <summary>Every HTTP request this store has sent, by method (including unknown-outcome re-reads).</summary>
    internal StoreRequestCounter Requests { get; } = new();

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
        return ConditionalUploadAsync(key, content, expected: null, cancellationToken);
    }

    /// <inheritdoc />
    public Task<SidecarVersion?> TryReplaceAsync(SidecarKey key, ReadOnlyMemory<byte> content, SidecarVersion expected, CancellationToken cancellationToken = default)
    {
        SidecarLimits.EnsureWithinLimit(key, content.Length);
        return TryParseGeneration(expected, out var generation) && generation > 0
            ? ConditionalUploadAsync(key, content, expected, cancellationToken)
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
        var write = new ConditionalWrite(
            ConditionalWriteKind.Delete,
            expected,
            (_, ct) => _wire.DeleteAsync(key, bucket, name, generation, ct),
            ct => ObserveAsync(key, bucket, name, expected, written: null, ct),
            $"GCS delete of '{key}'");
        return (await ConditionalWriteResolver.ResolveAsync(write, Settings.Retry, _clock, cancellationToken).ConfigureAwait(false)).Won;
    }

    /// <inheritdoc />
    public async Task<SidecarSnapshot?> ReadAsync(SidecarKey key, CancellationToken cancellationToken = default)
    {
        var (bucket, name) = Locate(key);
        var budget = new RetryBudget(Settings.Retry, _clock, $"GCS read of '{key}'");
        GcsObjectInfo? pinned = null; // set when the download must be of exactly this generation (fallback path)
        for (var round = 0; round < MaxReadRounds; round++)
        {
            // An oversized object comes back as its first MaxBytes + 1 bytes (the codec refuses them as too large) with
            // its real generation, so a stale policy can still take it over by compare-and-swap.
            var media = await budget.ReadAsync(() => _wire.GetMediaAsync(key, bucket, name, pinned?.Generation, cancellationToken), cancellationToken)
                .ConfigureAwait(false);
            if (media is null)
            {
                if (pinned is null)
                {
                    return null;
                }

                pinned = null; // that generation was replaced or deleted meanwhile: read the new state
                continue;
            }

            var (content, sentGeneration, lastModified, serverDate) = media;
            var now = serverDate ?? _clock.GetUtcNow();
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
            var meta = await budget.ReadAsync(() => _wire.GetMetadataAsync(key, bucket, name, cancellationToken, generation), cancellationToken)
                .ConfigureAwait(false);
            if (meta is null)
            {
                if (generation is null)
                {
                    return null;
                }

                pinned = null;
                continue;
            }

            if (generation is { } exact)
            {
                return new SidecarSnapshot(content, VersionOf(exact), meta.Updated, meta.ServerDate ?? now);
            }

            pinned = meta;
        }

        throw new StoreUnavailableException($"'{key}' changed under every one of {MaxReadRounds} consecutive reads; giving up.");
    }

    /// <inheritdoc />
    /// <remarks>The JSON API's object listing by name prefix, page by page; transient failures are retried as reads are.</remarks>
    public async IAsyncEnumerable<SidecarKey> ListSidecarsAsync(LockPrefix prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        prefix.RequireScheme("gs", "the GCS store");

        var bucket = prefix.Authority;
        var anchor = prefix.Anchor;
        string? pageToken = null;
        do
        {
            var budget = new RetryBudget(Settings.Retry, _clock, $"GCS listing of '{prefix}'");
            var token = pageToken;
            var page = await budget.ReadAsync(() => _wire.ListPageAsync(anchor, bucket, prefix.Path.TrimStart('/'), token, cancellationToken), cancellationToken)
                .ConfigureAwait(false);
            if (page is null)
            {
                yield break; // a 404 that is not the bucket's: nothing there
            }

            foreach (var name in page.Names)
            {
                if (prefix.SidecarAt("/" + name) is { } key)
                {
                    yield return key;
                }
            }

            pageToken = page.NextPageToken;
        }
        while (pageToken is not null);
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

    private async Task<SidecarVersion?> ConditionalUploadAsync(SidecarKey key, ReadOnlyMemory<byte> content, SidecarVersion? expected, CancellationToken cancellationToken)
    {
        var (bucket, name) = Locate(key);
        var kind = expected is null ? ConditionalWriteKind.Create : ConditionalWriteKind.Replace;
        var write = new ConditionalWrite(
            kind,
            expected,
            (condition, ct) => _wire.UploadAsync(key, bucket, name, content, condition is { } version ? GenerationOf(version) : 0, ct),
            ct => ObserveAsync(key, bucket, name, expected, content, ct),
            $"GCS {(expected is null ? "create" : "replace")} of '{key}'");
        return (await ConditionalWriteResolver.ResolveAsync(write, Settings.Retry, _clock, cancellationToken).ConfigureAwait(false)).Version;
    }

    /// <summary>A metadata re-read for the resolver; the bytes are compared (MD5, else a download) only for a generation
    /// other than the expected one, the only kind our write can have made.</summary>
    private async Task<Observation> ObserveAsync(
        SidecarKey key, string bucket, string name, SidecarVersion? expected, ReadOnlyMemory<byte>? written, CancellationToken cancellationToken)
    {
        var read = await _wire.GetMetadataAsync(key, bucket, name, cancellationToken).ConfigureAwait(false);
        if (read.TransientFailure is { } failure)
        {
            return Observation.Unknown(failure, read.Error);
        }

        if (read.Value is not { } info)
        {
            return Observation.Absent();
        }

        var version = VersionOf(info.Generation);
        var ours = written is { } bytes && version != expected &&
                   await HoldsOurBytesAsync(key, bucket, name, info, bytes, cancellationToken).ConfigureAwait(false);
        return Observation.Present(version, ours);
    }

    private async Task<bool> HoldsOurBytesAsync(SidecarKey key, string bucket, string name, GcsObjectInfo info, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        if (info.Size != content.Length)
        {
            return false;
        }

        return info.Md5Base64 is { } stored
            ? string.Equals(stored, Convert.ToBase64String(MD5.HashData(content.Span)), StringComparison.Ordinal)
            : await ContentEqualsAsync(key, bucket, name, info.Generation, content, cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> ContentEqualsAsync(SidecarKey key, string bucket, string name, long generation, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var media = await _wire.GetMediaAsync(key, bucket, name, generation, cancellationToken).ConfigureAwait(false);
        return media.Value is { } found && found.Content.AsSpan().SequenceEqual(content.Span);
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

    private static SidecarVersion VersionOf(long generation) => GcsWire.VersionOf(generation);

    private static bool TryParseGeneration(SidecarVersion version, out long generation) =>
        long.TryParse(version.Value, NumberStyles.None, CultureInfo.InvariantCulture, out generation);
}
