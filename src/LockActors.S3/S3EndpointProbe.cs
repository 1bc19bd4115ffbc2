using System.Text;

namespace LockActors.S3;

/// <summary>
/// What the endpoint probe found about one bucket of an endpoint.
/// </summary>
/// <param name="Endpoint">The endpoint (service URL, or "AWS &lt;region&gt;").</param>
/// <param name="Bucket">The bucket the scratch key was written in.</param>
/// <param name="Verified">True when the probe ran; false when <see cref="S3ProbeMode.Off"/> made the store assume.</param>
/// <param name="CreateEnforced"><c>PUT If-None-Match: *</c> is refused (412) on an existing key.</param>
/// <param name="ReplaceEnforced"><c>PUT If-Match</c> is refused on a wrong ETag and accepted on the current one.</param>
/// <param name="DeleteEnforced"><c>DELETE If-Match</c> with a wrong ETag leaves the object in place.</param>
/// <param name="IfMatchQuoted">Whether <c>If-Match</c> is sent as <c>"etag"</c> (AWS, RFC 7232) or bare (Ceph RGW 16.2).</param>
/// <param name="Findings">One line per check, for logs and the <see cref="StoreNotSafeException"/> message.</param>
internal sealed record S3EndpointProfile(
    string Endpoint,
    string Bucket,
    bool Verified,
    bool CreateEnforced,
    bool ReplaceEnforced,
    bool DeleteEnforced,
    bool IfMatchQuoted,
    IReadOnlyList<string> Findings)
{
    /// <summary>True when locks on this bucket are exclusive: atomic create and compare-and-swap replace both hold.</summary>
    public bool IsSafeForLocking => CreateEnforced && ReplaceEnforced;
}

/// <summary>
/// Verifies on a scratch key (<c>.lockactors-probe/&lt;guid&gt;</c>, removed afterwards) that an endpoint really
/// enforces the conditional requests the store depends on. Several S3-compatible servers accept the headers and
/// ignore them (npm s3rver), answer 501 (OpenStack Swift s3api), or ignore only <c>DELETE If-Match</c> (Ceph RGW 16.2).
/// Costs 7–8 requests, once per bucket and store.
/// </summary>
internal sealed class S3EndpointProbe(S3ObjectApi api)
{
    public const string ScratchPrefix = ".lockactors-probe/";

    /// <summary>Probes <paramref name="bucket"/>; <paramref name="key"/> (the caller's sidecar) only names errors.</summary>
    public async Task<S3EndpointProfile> RunAsync(SidecarKey key, string bucket, CancellationToken ct)
    {
        var name = ScratchPrefix + Guid.NewGuid().ToString("N");
        var findings = new List<string>();
        var wrongEtag = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        bool createEnforced, replaceEnforced = false, deleteEnforced = false, quoted = true;
        try
        {
            // 1. a plain conditional create of a fresh key must work at all
            var first = Require(await Put(key, bucket, name, "probe-1", ifMatch: null, ifNoneMatch: true, ct).ConfigureAwait(false), "PUT If-None-Match: * on a fresh key");
            if (first.Result != S3WriteResult.Written)
            {
                findings.Add($"PUT If-None-Match: * on a fresh key answered {Describe(first)}: conditional create is not supported");
                return new S3EndpointProfile(api.EndpointName, bucket, true, false, false, false, true, findings);
            }

            // 2. a second conditional create of the same key must be refused
            var second = Require(await Put(key, bucket, name, "probe-2", ifMatch: null, ifNoneMatch: true, ct).ConfigureAwait(false), "second PUT If-None-Match: *");
            createEnforced = second.Result == S3WriteResult.PreconditionFailed;
            findings.Add(createEnforced
                ? "PUT If-None-Match: * on an existing key: 412 (enforced)"
                : $"PUT If-None-Match: * on an existing key answered {Describe(second)}: the endpoint IGNORES atomic create");
            var current = second.Result == S3WriteResult.Written ? second.ETag! : first.ETag!;

            // 3. If-Match with a wrong ETag must be refused
            var wrong = Require(await Put(key, bucket, name, "probe-3", S3ETag.ForIfMatch(wrongEtag, true), false, ct).ConfigureAwait(false), "PUT If-Match <wrong etag>");
            var wrongRefused = wrong.Result == S3WriteResult.PreconditionFailed;
            findings.Add(wrongRefused
                ? "PUT If-Match <wrong etag>: 412 (enforced)"
                : $"PUT If-Match <wrong etag> answered {Describe(wrong)}: the endpoint IGNORES compare-and-swap");
            if (wrong.Result == S3WriteResult.Written)
            {
                current = wrong.ETag!;
            }

            // 4. If-Match with the current ETag must be accepted: quoted (RFC 7232, AWS) or bare (Ceph RGW 16.2)
            var matched = Require(await Put(key, bucket, name, "probe-4", S3ETag.ForIfMatch(current, true), false, ct).ConfigureAwait(false), "PUT If-Match <current etag>");
            if (matched.Result == S3WriteResult.PreconditionFailed)
            {
                matched = Require(await Put(key, bucket, name, "probe-5", S3ETag.ForIfMatch(current, false), false, ct).ConfigureAwait(false), "PUT If-Match <bare current etag>");
                quoted = false;
            }

            var matchAccepted = matched.Result == S3WriteResult.Written;
            findings.Add(matchAccepted
                ? $"PUT If-Match <current etag>: accepted {(quoted ? "quoted" : "only unquoted")}"
                : $"PUT If-Match <current etag> answered {Describe(matched)} in both quoted and bare forms: compare-and-swap unusable");
            replaceEnforced = wrongRefused && matchAccepted;

            // 5. DELETE If-Match with a wrong ETag must leave the object in place
            var delete = await api.DeleteAsync(key, bucket, name, S3ETag.ForIfMatch(wrongEtag, quoted), ct).ConfigureAwait(false);
            var stillThere = await api.GetAsync(key, bucket, name, ct).ConfigureAwait(false) is not null;
            deleteEnforced = delete.Result == S3WriteResult.PreconditionFailed && stillThere;
            findings.Add(deleteEnforced
                ? "DELETE If-Match <wrong etag>: 412, object kept (conditional delete honoured)"
                : $"DELETE If-Match <wrong etag> answered {Describe(delete)}, object {(stillThere ? "kept" : "DELETED")}: conditional delete not honoured, releases use tombstones");
            return new S3EndpointProfile(api.EndpointName, bucket, true, createEnforced, replaceEnforced, deleteEnforced, quoted, findings);
        }
        finally
        {
            await CleanUpAsync(key, bucket, name).ConfigureAwait(false);
        }
    }

    private Task<S3WriteOutcome> Put(SidecarKey key, string bucket, string name, string body, string? ifMatch, bool ifNoneMatch, CancellationToken ct) =>
        api.PutAsync(key, bucket, name, Encoding.UTF8.GetBytes(body), ifMatch, ifNoneMatch, ct);

    private S3WriteOutcome Require(S3WriteOutcome outcome, string step) =>
        outcome.Result == S3WriteResult.Unknown
            ? throw new StoreUnavailableException($"S3 endpoint probe of {api.EndpointName} could not finish ({step}: {S3ObjectApi.Describe(outcome.Error!)}); it will run again on the next write.", outcome.Error)
            : outcome;

    private static string Describe(S3WriteOutcome outcome) => outcome.Result switch
    {
        S3WriteResult.Written => "success (2xx)",
        S3WriteResult.PreconditionFailed => "412",
        _ => outcome.Error is { } e ? S3ObjectApi.Describe(e) : outcome.Result.ToString(),
    };

    private async Task CleanUpAsync(SidecarKey key, string bucket, string name)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await api.DeleteAsync(key, bucket, name, ifMatch: null, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is LockStoreException or OperationCanceledException)
        {
            // A leftover scratch object under .lockactors-probe/ is harmless; never mask the probe's own result.
        }
    }
}
