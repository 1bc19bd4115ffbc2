using System.Net;
using System.Net.Sockets;
using System.Text;
using LockActors.S3;
using Xunit;
using LockActors.Storage.Backends;
using LockActors.TestServers.S3;

namespace LockActors.S3.Tests;

public sealed class S3StoreErrorTests
{
    private static readonly byte[] Lock = Encoding.UTF8.GetBytes("{\"lock\":1}");

    private static SidecarKey NewKey() => LockTarget.Parse(S3TestServer.NewTargetUri("err.csv")).Sidecar;

    [Fact]
    public async Task Bad_credentials_are_reported_as_access_denied_on_reads_and_writes()
    {
        await using var store = S3TestServer.NewStore(S3TestServer.Settings().WithCredentials(S3TestServer.AccessKey, "wrong-secret"));
        await Assert.ThrowsAsync<StoreAccessDeniedException>(() => store.ReadAsync(NewKey()));
        await Assert.ThrowsAsync<StoreAccessDeniedException>(() => store.TryCreateAsync(NewKey(), Lock));
    }

    [Fact]
    public async Task Unknown_access_key_is_reported_as_access_denied()
    {
        await using var store = S3TestServer.NewStore(S3TestServer.Settings().WithCredentials("NOSUCHKEY", "whatever"));
        await Assert.ThrowsAsync<StoreAccessDeniedException>(() => store.TryCreateAsync(NewKey(), Lock));
    }

    [Fact]
    public async Task Missing_bucket_is_reported_as_location_not_found_on_reads_and_writes()
    {
        await using var store = S3TestServer.NewStore(S3TestServer.Settings());
        var key = LockTarget.Parse($"s3://lockactors-missing-{Guid.NewGuid():N}/in/a.csv").Sidecar;
        var read = await Assert.ThrowsAsync<StoreLocationNotFoundException>(() => store.ReadAsync(key));
        Assert.Equal(key, read.Key);
        var create = await Assert.ThrowsAsync<StoreLocationNotFoundException>(() => store.TryCreateAsync(key, Lock));
        Assert.Equal(key, create.Key);
    }

    [Fact]
    public async Task Unreachable_endpoint_is_reported_as_unavailable()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens there now: connection refused
        var settings = S3TestServer.Settings().WithServiceUrl($"http://127.0.0.1:{port}").WithRetry(RetryPolicy.Default.WithMaxAttempts(2).WithBackoff(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(10)));
        await using var store = new S3LockStore(settings);
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.ReadAsync(NewKey()));
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.TryCreateAsync(NewKey(), Lock));
    }

    [Fact]
    public async Task A_store_that_could_not_reach_the_endpoint_probes_again_when_it_comes_back()
    {
        var down = true;
        var handler = new FaultInjectingHandler(_ => Volatile.Read(ref down) ? Fault.ConnectionRefused : Fault.None);
        await using var store = S3TestServer.NewStore(S3TestServer.Settings().WithRetry(RetryPolicy.Default.WithMaxAttempts(1).WithBackoff(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(1))), handler);
        var key = NewKey();
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.TryCreateAsync(key, Lock));
        Volatile.Write(ref down, false);
        Assert.NotNull(await store.TryCreateAsync(key, Lock));
    }

    [Fact]
    public async Task Non_s3_targets_are_refused()
    {
        await using var store = S3TestServer.NewStore(S3TestServer.Settings());
        var key = LockTarget.Parse("file:///tmp/a.csv").Sidecar;
        await Assert.ThrowsAsync<InvalidLockTargetException>(() => store.ReadAsync(key));
    }

    [Fact]
    public void Settings_never_print_the_secret()
    {
        var text = S3StoreSettings.Default.WithCredentials("AKID", "super-secret-value").ToString();
        Assert.DoesNotContain("super-secret-value", text, StringComparison.Ordinal);
        Assert.Contains("AKID", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reads_without_a_content_length_return_the_bytes_and_cut_oversized_sidecars_at_the_limit()
    {
        await using var store = S3TestServer.NewStore(S3TestServer.Settings(), new FaultInjectingHandler(r => r.Method == HttpMethod.Get ? Fault.StripContentLength : Fault.None));
        var key = NewKey();
        Assert.NotNull(await store.TryCreateAsync(key, Lock));
        Assert.Equal(Lock, (await store.ReadAsync(key))!.Content.ToArray());

        var huge = NewKey();
        await S3TestServer.WriteRawAsync(huge, new byte[SidecarLimits.MaxBytes + 10]);
        var read = (await store.ReadAsync(huge))!;
        Assert.Equal(SidecarLimits.MaxBytes + 1, read.Content.Length);
        Assert.Throws<SidecarTooLargeException>(() => LockMetadataCodec.Decode(huge, read.Content.Span));
    }
}
