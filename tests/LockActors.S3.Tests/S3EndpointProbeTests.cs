using System.Text;
using LockActors.S3;
using Xunit;
using LockActors.Storage.Backends;
using LockActors.TestServers.S3;

namespace LockActors.S3.Tests;

public sealed class S3EndpointProbeTests
{
    private static readonly byte[] Lock = Encoding.UTF8.GetBytes("{\"lock\":1}");

    private static S3StoreSettings S3rverSettings() =>
        S3StoreSettings.Default.WithServiceUrl(S3TestServer.S3rverEndpoint).WithCredentials("S3RVER", "S3RVER");

    private static SidecarKey NewKey() => LockTarget.Parse(S3TestServer.NewTargetUri("probe.csv")).Sidecar;

    [Fact]
    public async Task Probe_finds_conditional_writes_enforced_and_how_this_endpoint_spells_if_match_and_treats_delete()
    {
        await using var store = S3TestServer.NewStore();
        var profile = await store.ProbeAsync(S3TestServer.Bucket);
        Assert.True(profile.Verified);
        Assert.True(profile.CreateEnforced, string.Join("; ", profile.Findings));
        Assert.True(profile.ReplaceEnforced, string.Join("; ", profile.Findings));

        // The endpoint-specific findings, for the two endpoints this suite knows: RGW 16.2 matches only the bare ETag
        // and deletes despite a wrong If-Match; AWS (and the AWS-like double) take the quoted ETag and honour it.
        Assert.Equal(S3TestServer.AwsLike, profile.IfMatchQuoted);
        Assert.Equal(S3TestServer.AwsLike, profile.DeleteEnforced);

        // Whatever it found, a compare-and-swap in the found spelling works and a wrong version is refused.
        var key = NewKey();
        var v1 = (await store.TryCreateAsync(key, Lock))!.Value;
        var v2 = await store.TryReplaceAsync(key, Encoding.UTF8.GetBytes("{\"lock\":2}"), v1);
        Assert.NotNull(v2);
        Assert.Null(await store.TryReplaceAsync(key, Lock, v1));
        Assert.False(await store.TryDeleteAsync(key, v1));
        Assert.True(await store.TryDeleteAsync(key, v2.Value));
        Assert.Null(await store.ReadAsync(key));
    }

    [Fact]
    public async Task Probe_runs_once_per_bucket_and_leaves_no_scratch_object()
    {
        await using var store = S3TestServer.NewStore(S3TestServer.Settings());
        var before = store.Requests.Snapshot();
        await store.ProbeAsync(S3TestServer.Bucket);
        var probeCost = store.Requests.Snapshot() - before;
        await store.ProbeAsync(S3TestServer.Bucket);
        await store.TryCreateAsync(NewKey(), Lock);
        Assert.Equal(probeCost.Total + 1, (store.Requests.Snapshot() - before).Total);
        Assert.InRange(probeCost.Total, 6, 9);
    }

    [Fact]
    public async Task Strict_probe_refuses_s3rver_which_ignores_conditional_headers()
    {
        await using var store = new S3LockStore(S3rverSettings());
        var key = LockTarget.Parse($"s3://{S3TestServer.Bucket}/{Guid.NewGuid():N}/a.csv").Sidecar;
        var error = await Assert.ThrowsAsync<StoreNotSafeException>(() => store.TryCreateAsync(key, Lock));
        Assert.Contains("does not enforce conditional writes", error.Message, StringComparison.Ordinal);
        Assert.Contains("IGNORES atomic create", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<StoreNotSafeException>(() => store.TryReplaceAsync(key, Lock, new SidecarVersion("x")));
        await Assert.ThrowsAsync<StoreNotSafeException>(() => store.TryDeleteAsync(key, new SidecarVersion("x")));
        Assert.Null(await store.ReadAsync(key));

        var profile = await store.ProbeAsync(S3TestServer.Bucket);
        Assert.False(profile.CreateEnforced);
        Assert.False(profile.ReplaceEnforced);
    }

    [Fact]
    public async Task Warn_probe_reports_s3rver_once_and_writes_anyway()
    {
        var warnings = new List<string>();
        await using var store = new S3LockStore(S3rverSettings().WithProbe(S3ProbeMode.Warn), warnings.Add);
        var key = LockTarget.Parse($"s3://{S3TestServer.Bucket}/{Guid.NewGuid():N}/a.csv").Sidecar;
        Assert.NotNull(await store.TryCreateAsync(key, Lock));
        await store.TryCreateAsync(key, Lock);
        var warning = Assert.Single(warnings);
        Assert.Contains("NOT safe", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Probe_off_sends_no_probe_request()
    {
        await using var store = S3TestServer.NewStore(S3TestServer.Settings().WithProbe(S3ProbeMode.Off));
        Assert.NotNull(await store.TryCreateAsync(NewKey(), Lock));
        Assert.Equal(1, store.Requests.Total);
    }

    [Fact]
    public async Task Native_conditional_delete_is_used_where_the_probe_found_it_honoured_and_refused_by_a_strict_probe_elsewhere()
    {
        var profile = await S3TestServer.ProfileAsync();
        await using var store = S3TestServer.NewStore(S3TestServer.Settings().WithConditionalDelete(S3ConditionalDeleteMode.Native));
        var key = NewKey();
        if (!profile.DeleteEnforced)
        {
            var error = await Assert.ThrowsAsync<StoreNotSafeException>(() => store.TryCreateAsync(key, Lock));
            Assert.Contains("ignores DELETE If-Match", error.Message, StringComparison.Ordinal);
            return;
        }

        var v1 = (await store.TryCreateAsync(key, Lock))!.Value;
        var before = store.Requests.Snapshot();
        Assert.True(await store.TryDeleteAsync(key, v1));
        Assert.Equal("DELETE 1", (store.Requests.Snapshot() - before).ToString());
    }

    [Fact]
    public async Task Probe_through_the_conditional_delete_double_sees_delete_honoured_and_auto_picks_native()
    {
        await using var store = S3TestServer.NewStore(S3TestServer.Settings(), new ConditionalDeleteEmulator());
        var profile = await store.ProbeAsync(S3TestServer.Bucket);
        Assert.True(profile.DeleteEnforced, string.Join("; ", profile.Findings));
        Assert.Contains("DELETE If-Match (probe", store.Capabilities.Mechanism, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Warn_probe_with_native_delete_releases_natively_where_honoured_and_through_tombstones_where_ignored()
    {
        var profile = await S3TestServer.ProfileAsync();
        var warnings = new List<string>();
        await using var store = S3TestServer.NewStore(
            S3TestServer.Settings().WithConditionalDelete(S3ConditionalDeleteMode.Native).WithProbe(S3ProbeMode.Warn), warn: warnings.Add);
        var key = NewKey();
        var v1 = (await store.TryCreateAsync(key, Lock))!.Value;
        var before = store.Requests.Snapshot();
        Assert.True(await store.TryDeleteAsync(key, v1));
        if (profile.DeleteEnforced)
        {
            Assert.Equal("DELETE 1", (store.Requests.Snapshot() - before).ToString());
            Assert.Empty(warnings);
        }
        else
        {
            Assert.Equal("PUT 1", (store.Requests.Snapshot() - before).ToString()); // a tombstone PUT, no DELETE
            Assert.Contains("releases use tombstones instead", Assert.Single(warnings), StringComparison.Ordinal);
        }

        Assert.Null(await store.ReadAsync(key));
    }
}
