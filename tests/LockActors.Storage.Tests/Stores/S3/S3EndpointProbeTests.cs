using System.Text;
using LockActors.Storage.Stores.S3;
using Xunit;

namespace LockActors.Storage.Tests.Stores.S3;

public sealed class S3EndpointProbeTests
{
    private static readonly byte[] Lock = Encoding.UTF8.GetBytes("{\"lock\":1}");

    private static S3StoreSettings S3rverSettings() =>
        S3StoreSettings.Default.WithServiceUrl(S3TestServer.S3rverEndpoint).WithCredentials("S3RVER", "S3RVER");

    private static SidecarKey NewKey() => LockTarget.Parse(S3TestServer.NewTargetUri("probe.csv")).Sidecar;

    [Fact]
    public async Task Probe_on_ceph_rgw_finds_conditional_writes_enforced_unquoted_and_delete_if_match_ignored()
    {
        await using var store = new S3LockStore(S3TestServer.Settings());
        var profile = await store.ProbeAsync(S3TestServer.Bucket);
        Assert.True(profile.Verified);
        Assert.True(profile.CreateEnforced, string.Join("; ", profile.Findings));
        Assert.True(profile.ReplaceEnforced, string.Join("; ", profile.Findings));
        Assert.False(profile.IfMatchQuoted, "RGW 16.2 matches only the bare ETag");
        Assert.False(profile.DeleteEnforced, "RGW 16.2 deletes despite a wrong If-Match");
    }

    [Fact]
    public async Task Probe_runs_once_per_bucket_and_leaves_no_scratch_object()
    {
        await using var store = new S3LockStore(S3TestServer.Settings());
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
        await using var store = new S3LockStore(S3TestServer.Settings().WithProbe(S3ProbeMode.Off));
        Assert.NotNull(await store.TryCreateAsync(NewKey(), Lock));
        Assert.Equal(1, store.Requests.Total);
    }

    [Fact]
    public async Task Strict_probe_refuses_native_conditional_delete_on_an_endpoint_that_ignores_it()
    {
        await using var store = new S3LockStore(S3TestServer.Settings().WithConditionalDelete(S3ConditionalDeleteMode.Native));
        var error = await Assert.ThrowsAsync<StoreNotSafeException>(() => store.TryCreateAsync(NewKey(), Lock));
        Assert.Contains("ignores DELETE If-Match", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Probe_through_the_conditional_delete_double_sees_delete_honoured_and_auto_picks_native()
    {
        await using var store = new S3LockStore(S3TestServer.Settings(), null, null, new ConditionalDeleteEmulator());
        var profile = await store.ProbeAsync(S3TestServer.Bucket);
        Assert.True(profile.DeleteEnforced, string.Join("; ", profile.Findings));
        Assert.Contains("DELETE If-Match (probe", store.Capabilities.Mechanism, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Warn_probe_with_native_delete_on_an_endpoint_that_ignores_it_releases_through_tombstones()
    {
        var warnings = new List<string>();
        await using var store = new S3LockStore(
            S3TestServer.Settings().WithConditionalDelete(S3ConditionalDeleteMode.Native).WithProbe(S3ProbeMode.Warn), warnings.Add);
        var key = NewKey();
        var v1 = (await store.TryCreateAsync(key, Lock))!.Value;
        var before = store.Requests.Snapshot();
        Assert.True(await store.TryDeleteAsync(key, v1));
        Assert.Equal(new S3RequestCounts(0, 1, 0, 0, 0), store.Requests.Snapshot() - before); // a tombstone PUT, no DELETE
        Assert.Contains("releases use tombstones instead", Assert.Single(warnings), StringComparison.Ordinal);
    }
}
