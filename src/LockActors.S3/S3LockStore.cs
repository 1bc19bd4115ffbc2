using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using LockActors.Storage.Backends;

namespace LockActors.S3;

/// <summary>
/// The <c>s3://bucket/key</c> store: sidecars as objects in AWS S3 or an S3-compatible server (Ceph RGW…).
/// </summary>
/// <remarks>
/// <para><b>Create</b>: <c>PUT If-None-Match: *</c> (one request). <b>Replace</b>: <c>PUT If-Match: etag</c> (one
/// request). <b>Read</b>: <c>GET</c>; <see cref="SidecarSnapshot.ModifiedAt"/> is <c>Last-Modified</c> and
/// <see cref="SidecarSnapshot.StoreNow"/> the response's <c>Date</c>, both the server's clock at 1 s resolution.</para>
/// <para><b>Delete</b>: <c>DELETE If-Match</c> where the endpoint honours it, otherwise a compare-and-swap overwrite
/// with a "released" tombstone (<see cref="S3ConditionalDeleteMode"/>). Tombstones are invisible to the contract:
/// a read returns null, a create replaces the tombstone by compare-and-swap (3 requests: the refused create, a GET,
/// the CAS), a replace against a tombstone fails. Every mode recognises tombstones, so mixed fleets interoperate.</para>
/// <para><b>Unknown outcomes</b>: a conditional write answered with 5xx, 409, a timeout or a broken connection may have
/// applied. It is never re-sent blindly: <see cref="ConditionalWriteResolver"/> re-reads the object and decides: our
/// exact bytes are there → success; the expected state is still there → the write did not apply, send it again (it is
/// conditional, so it can never apply twice); anything else → lost. A definite refusal (412) is never retried into an error: a refused
/// create that finds the key gone again was beaten by a holder that has released since (null). Still unknown after
/// the <see cref="S3StoreSettings.Retry"/> policy's attempts → <see cref="StoreUnavailableException"/>. The SDK's own
/// retries are off. A refused (412) create or replace is also checked this way, because a transport-level re-send
/// of a write that landed is refused too. Deciding by content relies on the lock metadata being unique per write
/// (it holds a lock id and timestamps; tombstones a nonce): a create or replace whose exact bytes are already
/// there is reported as this call's own write.</para>
/// <para><b>Clock skew</b>: staleness is judged on the server's clock, so this host's wall clock matters only for
/// request signatures, which the server refuses when they are more than 15 minutes off (RGW, AWS:
/// <c>403 RequestTimeTooSkewed</c>). The AWS SDK records the offset of each endpoint's clock from every response's
/// <c>Date</c> and signs later requests to that endpoint with the corrected time; the store re-sends a request refused
/// for skew once (it never applied, so this is safe for conditional writes too). The SDK keeps these offsets in a
/// process-wide table keyed by endpoint URL (<see cref="CorrectClockSkew"/>): every client of the same endpoint in the
/// process shares one offset (the same server clock), other endpoints are unaffected. The process-wide
/// <see cref="AWSConfigs.CorrectForClockSkew"/> = false or <see cref="AWSConfigs.ManualClockCorrection"/> turn the
/// correction off for every client; then a skewed host gets <see cref="StoreAccessDeniedException"/> naming the skew.
/// Ceph RGW answers such a refusal without reading the request body and keeps the connection, so after a 403 to a
/// request with a body the store moves to a fresh connection pool (the unread body would corrupt the next request).</para>
/// <para><b>Probe</b>: before the first write to each bucket the store verifies the endpoint on a scratch key
/// (<see cref="S3ProbeMode"/>) and refuses to write with <see cref="StoreNotSafeException"/> when conditional writes
/// are not enforced.</para>
/// </remarks>
public sealed class S3LockStore : ILockStore, ILockStoreWarmUp, ILockStoreListing
{
    private readonly S3StoreSettings _settings;
    private readonly Action<string> _warn;
    private readonly TimeProvider _clock;
    private readonly S3HttpClientFactory _http;
    private readonly AmazonS3Client _client;
    private readonly S3Wire _wire;
    private readonly S3EndpointProbe _probe;
    private readonly ConcurrentDictionary<string, Lazy<Task<S3EndpointProfile>>> _profiles = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _warned = new(StringComparer.Ordinal);
    private volatile StoreCapabilities _capabilities;

    /// <summary>Creates the store. No request is made until the first operation.</summary>
    /// <param name="settings">Endpoint, credentials, probe and timeouts; <see cref="S3StoreSettings.Default"/> when null.</param>
    /// <param name="warn">Receives probe warnings (<see cref="S3ProbeMode.Warn"/>); default <see cref="Trace.TraceWarning(string)"/>.</param>
    /// <param name="clock">Only used when a response lacks a <c>Date</c> header.</param>
    public S3LockStore(S3StoreSettings? settings = null, Action<string>? warn = null, TimeProvider? clock = null)
        : this(settings, warn, clock, transport: null)
    {
    }

    /// <summary>Test hook: <paramref name="transport"/> replaces the socket handler (fault injection, test doubles).</summary>
    internal S3LockStore(S3StoreSettings? settings, Action<string>? warn, TimeProvider? clock, HttpMessageHandler? transport)
    {
        _settings = settings ?? S3StoreSettings.Default;
        _warn = warn ?? (message => Trace.TraceWarning(message));
        _clock = clock ?? TimeProvider.System;
        _http = new S3HttpClientFactory(_settings, Requests, transport);
        _client = CreateClient(_settings, _http);
        var endpointName = _settings.ServiceUrl ?? $"AWS S3 {_settings.Region}";
        _wire = new S3Wire(_client, endpointName);
        _probe = new S3EndpointProbe(_wire);
        _capabilities = CapabilitiesWith(_settings.ConditionalDelete switch
        {
            S3ConditionalDeleteMode.Native => "DELETE If-Match",
            S3ConditionalDeleteMode.Tombstone => "PUT If-Match of a released tombstone",
            _ => "DELETE If-Match or a released tombstone, chosen per bucket by the endpoint probe",
        });
    }

    /// <summary>The settings this store was built with.</summary>
    public S3StoreSettings Settings => _settings;

    /// <summary>Every HTTP request this store has sent, by method (including probes and unknown-outcome re-reads).</summary>
    internal StoreRequestCounter Requests { get; } = new();

    /// <inheritdoc />
    /// <remarks>All three primitives are atomic on an endpoint that passes the probe: delete natively or through
    /// tombstones. Staleness is judged on the server's clock at 1 s resolution.</remarks>
    public StoreCapabilities Capabilities => _capabilities;

    /// <summary>
    /// Runs (once) and returns the endpoint probe for <paramref name="bucket"/>. Completes with the profile even when
    /// the endpoint is unsafe; writes are then refused (strict) or warned about (warn). With
    /// <see cref="S3ProbeMode.Off"/> it returns the assumed profile without any request.
    /// </summary>
    internal Task<S3EndpointProfile> ProbeAsync(string bucket, CancellationToken cancellationToken = default) =>
        ProfileAsync(LockTarget.Parse($"s3://{bucket}/{S3EndpointProbe.ScratchPrefix}probe").Sidecar, cancellationToken);

    /// <inheritdoc />
    /// <remarks>Runs the bucket's endpoint probe (once per bucket), so the first create is one request.</remarks>
    public Task PrepareAsync(SidecarKey key, CancellationToken cancellationToken = default) => WritableProfileAsync(key, cancellationToken);

    /// <inheritdoc />
    public async Task<SidecarVersion?> TryCreateAsync(SidecarKey key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        Locate(key);
        SidecarLimits.EnsureWithinLimit(key, content.Length);
        var profile = await WritableProfileAsync(key, cancellationToken).ConfigureAwait(false);
        return (await ResolveAsync(key, ConditionalWriteKind.Create, null, content, profile, cancellationToken).ConfigureAwait(false)).Version;
    }

    /// <inheritdoc />
    public async Task<SidecarSnapshot?> ReadAsync(SidecarKey key, CancellationToken cancellationToken = default)
    {
        var (bucket, name) = Locate(key);
        var budget = new RetryBudget(_settings.Retry, TimeProvider.System, $"S3 read of '{key}' on {_wire.EndpointName}");
        var current = await budget.ReadAsync(() => _wire.GetAsync(key, bucket, name, cancellationToken), cancellationToken).ConfigureAwait(false);
        if (current is null)
        {
            return null;
        }

        // An oversized object comes back as its first MaxBytes + 1 bytes (the codec refuses them as too large) with its
        // real ETag, so a stale policy can still take it over by compare-and-swap.
        return current.IsTombstone
            ? null
            : new SidecarSnapshot(current.Content, new SidecarVersion(current.ETag), current.LastModified, current.ServerDate ?? _clock.GetUtcNow());
    }

    /// <inheritdoc />
    public async Task<SidecarVersion?> TryReplaceAsync(
        SidecarKey key, ReadOnlyMemory<byte> content, SidecarVersion expected, CancellationToken cancellationToken = default)
    {
        Locate(key);
        SidecarLimits.EnsureWithinLimit(key, content.Length);
        var profile = await WritableProfileAsync(key, cancellationToken).ConfigureAwait(false);
        return (await ResolveAsync(key, ConditionalWriteKind.Replace, expected, content, profile, cancellationToken).ConfigureAwait(false)).Version;
    }

    /// <inheritdoc />
    public async Task<bool> TryDeleteAsync(SidecarKey key, SidecarVersion expected, CancellationToken cancellationToken = default)
    {
        Locate(key);
        var profile = await WritableProfileAsync(key, cancellationToken).ConfigureAwait(false);
        var resolution = UsesNativeDelete(profile)
            ? await ResolveAsync(key, ConditionalWriteKind.Delete, expected, ReadOnlyMemory<byte>.Empty, profile, cancellationToken).ConfigureAwait(false)
            // A stale holder's release can only overwrite its own version: a newer lock makes the CAS fail.
            : await ResolveAsync(key, ConditionalWriteKind.Replace, expected, S3Tombstone.Create(_clock.GetUtcNow()), profile, cancellationToken).ConfigureAwait(false);
        return resolution.Won;
    }

    /// <inheritdoc />
    /// <remarks>ListObjectsV2 by key prefix, page by page (one request per 1000 names). Released tombstones are named
    /// too (they read as absent).</remarks>
    public async IAsyncEnumerable<SidecarKey> ListSidecarsAsync(LockPrefix prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        prefix.RequireScheme("s3", "the S3 store");

        var bucket = prefix.Authority;
        var anchor = prefix.Anchor;
        string? continuation = null;
        do
        {
            var (names, next) = await _wire.ListPageAsync(anchor, bucket, prefix.Path.TrimStart('/'), continuation, cancellationToken).ConfigureAwait(false);
            foreach (var name in names)
            {
                if (prefix.SidecarAt("/" + name) is { } key)
                {
                    yield return key;
                }
            }

            continuation = next;
        }
        while (continuation is not null);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        _http.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>One conditional PUT (or, for <see cref="ConditionalWriteKind.Delete"/>, DELETE) settled by the shared resolver.</summary>
    private Task<WriteResolution> ResolveAsync(
        SidecarKey key, ConditionalWriteKind kind, SidecarVersion? expected, ReadOnlyMemory<byte> content, S3EndpointProfile profile, CancellationToken ct)
    {
        var (bucket, name) = Locate(key);
        var write = new ConditionalWrite(
            kind,
            expected,
            (condition, c) => kind == ConditionalWriteKind.Delete
                ? _wire.DeleteAsync(key, bucket, name, S3ETag.ForIfMatch(condition!.Value.Value, profile.IfMatchQuoted), c)
                : _wire.PutAsync(key, bucket, name, content, condition is { } v ? S3ETag.ForIfMatch(v.Value, profile.IfMatchQuoted) : null, ifNoneMatch: condition is null, c),
            c => ObserveAsync(key, bucket, name, kind == ConditionalWriteKind.Delete ? null : content, c),
            $"S3 {kind.ToString().ToLowerInvariant()} of '{key}' on {_wire.EndpointName}");
        return ConditionalWriteResolver.ResolveAsync(write, _settings.Retry, TimeProvider.System, ct);
    }

    /// <summary>A re-read for the resolver. A tombstone reads as absent, with its ETag for a create to replace it by
    /// compare-and-swap; our own bytes (a tombstone release's too) are recognised first.</summary>
    private async Task<Observation> ObserveAsync(SidecarKey key, string bucket, string name, ReadOnlyMemory<byte>? written, CancellationToken ct)
    {
        var read = await _wire.GetAsync(key, bucket, name, ct).ConfigureAwait(false);
        if (read.TransientFailure is { } failure)
        {
            return Observation.Unknown(failure, read.Error);
        }

        if (read.Value is not { } current)
        {
            return Observation.Absent();
        }

        var version = new SidecarVersion(current.ETag);
        return written is { } ours && current.HasContent(ours.Span) ? Observation.Present(version, holdsOurWrite: true)
            : current.IsTombstone ? Observation.Absent(placeholder: version)
            : Observation.Present(version, holdsOurWrite: false);
    }

    private bool UsesNativeDelete(S3EndpointProfile profile) => _settings.ConditionalDelete switch
    {
        // Proven to ignore DELETE If-Match (possible here only with probe = warn): tombstones keep releases safe.
        S3ConditionalDeleteMode.Native => !(profile.Verified && !profile.DeleteEnforced),
        S3ConditionalDeleteMode.Tombstone => false,
        _ => profile is { Verified: true, DeleteEnforced: true },
    };

    /// <summary>The bucket's profile, after refusing (strict) or warning about (warn) an unsafe endpoint.</summary>
    private async Task<S3EndpointProfile> WritableProfileAsync(SidecarKey key, CancellationToken ct)
    {
        var profile = await ProfileAsync(key, ct).ConfigureAwait(false);
        var problem = !profile.IsSafeForLocking
            ? $"S3 endpoint {profile.Endpoint} (bucket '{profile.Bucket}') does not enforce conditional writes, so locks there would not be exclusive"
            : _settings.ConditionalDelete == S3ConditionalDeleteMode.Native && profile.Verified && !profile.DeleteEnforced
                ? $"S3 endpoint {profile.Endpoint} (bucket '{profile.Bucket}') ignores DELETE If-Match, so conditional-delete = native would let a " +
                  "stale holder delete the next holder's lock; use conditional-delete = auto or tombstone " +
                  "(probe = warn: releases use tombstones instead)"
                : null;
        if (problem is null)
        {
            return profile;
        }

        var message = $"{problem}. Probe findings: {string.Join("; ", profile.Findings)}.";
        if (_settings.Probe == S3ProbeMode.Strict)
        {
            throw new StoreNotSafeException(message + " Refusing to write (probe = strict).");
        }

        if (_warned.TryAdd(profile.Bucket, 0))
        {
            _warn(message + " Writing anyway because probe = warn: locks on this bucket are NOT safe.");
        }

        return profile;
    }

    private Task<S3EndpointProfile> ProfileAsync(SidecarKey key, CancellationToken ct)
    {
        var bucket = key.Authority;
        if (_settings.Probe == S3ProbeMode.Off)
        {
            return Task.FromResult(new S3EndpointProfile(
                _wire.EndpointName, bucket, Verified: false, CreateEnforced: true, ReplaceEnforced: true,
                DeleteEnforced: _settings.ConditionalDelete == S3ConditionalDeleteMode.Native,
                IfMatchQuoted: _settings.ServiceUrl is null, ["not probed (probe = off); assumed: conditional writes enforced"]));
        }

        var lazy = _profiles.GetOrAdd(bucket, b => new Lazy<Task<S3EndpointProfile>>(() => RunProbeAsync(key, b)));
        return AwaitProfileAsync(bucket, lazy, ct);
    }

    private async Task<S3EndpointProfile> AwaitProfileAsync(string bucket, Lazy<Task<S3EndpointProfile>> lazy, CancellationToken ct)
    {
        try
        {
            return await lazy.Value.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (Exception) when (lazy.Value.IsFaulted || lazy.Value.IsCanceled)
        {
            // Unreachable store, missing bucket, bad credentials: not a verdict on the endpoint; probe again next time.
            _profiles.TryRemove(new KeyValuePair<string, Lazy<Task<S3EndpointProfile>>>(bucket, lazy));
            throw;
        }
    }

    private async Task<S3EndpointProfile> RunProbeAsync(SidecarKey key, string bucket)
    {
        // Shared by every caller waiting on this bucket, so it must not inherit one caller's cancellation.
        using var timeout = new CancellationTokenSource(_settings.RequestTimeout * 10);
        var profile = await _probe.RunAsync(key, bucket, timeout.Token).ConfigureAwait(false);
        if (_settings.ConditionalDelete == S3ConditionalDeleteMode.Auto)
        {
            _capabilities = CapabilitiesWith(UsesNativeDelete(profile)
                ? "DELETE If-Match (probe: conditional delete honoured)"
                : "PUT If-Match of a released tombstone (probe: DELETE If-Match not honoured)");
        }

        return profile;
    }

    private StoreCapabilities CapabilitiesWith(string deleteMechanism) => StoreCapabilities.ServerSide(
        TimeSpan.FromSeconds(1),
        $"create = PUT If-None-Match: *; replace = PUT If-Match: etag; delete = {deleteMechanism}; " +
        $"unknown write outcomes resolved by re-reading; endpoint probe {_settings.Probe.ToString().ToLowerInvariant()}");

    private (string Bucket, string Name) Locate(SidecarKey key)
    {
        if (!string.Equals(key.Target.Scheme, "s3", StringComparison.Ordinal))
        {
            throw new InvalidLockTargetException(key.Target.Normalized, "the S3 store only serves s3://bucket/key targets");
        }

        return (key.Authority, key.ObjectName);
    }

    private static AmazonS3Client CreateClient(S3StoreSettings settings, S3HttpClientFactory http)
    {
        var config = new AmazonS3Config
        {
            ForcePathStyle = settings.ForcePathStyle,
            AuthenticationRegion = settings.Region,
            HttpClientFactory = http,
            Timeout = settings.RequestTimeout,
            // Every attempt of a conditional write must be decided by the store (re-read), never re-sent by the SDK.
            // That includes the SDK's separate "stale connection" retries (default 10): a reset after the server
            // applied a PUT would be re-sent, answered 412, and a won write reported as lost.
            MaxErrorRetry = 0,
            MaxStaleConnectionRetries = 0,
            // The SDK learns the endpoint's clock offset from every response's Date and signs with the corrected time; the
            // one re-send after a skew refusal is the store's (S3Wire.SendAsync). Explicitly on for this client, so
            // AWS_DISABLE_CLOCK_SKEW_CORRECTION / a profile's disable_clock_skew_correction cannot break a skewed host.
            DisableClockSkewCorrection = false,
            // Flexible checksums (SDK default) make Ceph RGW 16.2 answer 400 XAmzContentSHA256Mismatch.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (settings.ServiceUrl is { } url)
        {
            config.ServiceURL = url;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(settings.Region);
        }

        if (!settings.HasExplicitCredentials)
        {
            return new AmazonS3Client(config);
        }

        AWSCredentials credentials = settings.SessionToken is { } token
            ? new SessionAWSCredentials(settings.AccessKey, settings.SecretKey, token)
            : new BasicAWSCredentials(settings.AccessKey, settings.SecretKey);
        return new AmazonS3Client(credentials, config);
    }
}
