using LockActors.S3;
using LockActors.Storage.Tests.Conformance;
using LockActors.TestServers.S3;

namespace LockActors.S3.Tests;

/// <summary>
/// The conformance suite with conditional-delete = native and a strict probe. Ceph RGW 16.2 ignores
/// DELETE If-Match (the probe proves it, see <see cref="S3EndpointProbeTests"/>), so the store talks to RGW through
/// <see cref="ConditionalDeleteEmulator"/>, a test double that honours DELETE If-Match as AWS documents it. The
/// store's side — sending DELETE If-Match, reading 412/404 as "not deleted", never falling back to tombstones — is
/// what this proves; AWS's side is taken from its documentation.
/// </summary>
public sealed class S3NativeDeleteConformanceTests : LockStoreConformanceTests, IDisposable
{
    // The emulator's in-process gate stands in for AWS's server-side atomicity of DELETE If-Match, so every store
    // instance of a test must pass through the same emulator; each still has its own AmazonS3Client and HttpClient.
    private readonly ConditionalDeleteEmulator _emulator = new();

    protected override Task<ILockStore> CreateStoreAsync() => Task.FromResult<ILockStore>(
        new S3LockStore(S3TestServer.Settings().WithConditionalDelete(S3ConditionalDeleteMode.Native), null, null, new SharedTransport(_emulator)));

    protected override Task<ILockStore> CreateIndependentStoreAsync() => CreateStoreAsync();

    protected override string NewTargetUri(string name) => S3TestServer.NewTargetUri(name);

    protected override string TargetInMissingLocation() => $"s3://lockactors-missing-{Guid.NewGuid():N}/x.csv";

    protected override Task WriteRawAsync(SidecarKey key, byte[] content) => S3TestServer.WriteRawAsync(key, content);

    public void Dispose() => _emulator.Dispose();

    /// <summary>Sends through the shared emulator without owning it: disposing one store must not dispose it.</summary>
    private sealed class SharedTransport(HttpMessageHandler shared) : HttpMessageHandler
    {
        private readonly HttpMessageInvoker _invoker = new(shared, disposeHandler: false);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            _invoker.SendAsync(request, cancellationToken);
    }
}
