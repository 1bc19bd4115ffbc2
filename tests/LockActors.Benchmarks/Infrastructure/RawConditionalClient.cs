using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using LockActors.TestServers.Gcs;
using LockActors.TestServers.S3;
using LockActors.TestServers.Sftp;
using Renci.SshNet;

namespace LockActors.Benchmarks.Infrastructure;

/// <summary>
/// The raw SDK calls a lock costs at the least on each network store, without LockActors: an exclusive create of the
/// object, then its delete. The baseline of P7: s3 = PUT with <c>If-None-Match: *</c> then DELETE (AWSSDK.S3);
/// gcs = upload with <c>ifGenerationMatch=0</c> then DELETE (plain HTTP to the emulator); sftp = open with
/// <c>CREAT|EXCL</c>, write, close, then remove (SSH.NET, one connection).
/// </summary>
public abstract class RawConditionalClient : IDisposable
{
    /// <summary>Creates <paramref name="name"/> only if it does not exist; throws if it did.</summary>
    public abstract Task CreateExclusiveAsync(string name, byte[] content);

    /// <summary>Deletes <paramref name="name"/>.</summary>
    public abstract Task DeleteAsync(string name);

    /// <summary>Requests one create + delete puts on the wire: 2 over HTTP, 6 over SFTP (see <see cref="SftpRaw"/>).</summary>
    public virtual int RequestsPerCycle => 2;

    /// <summary>The object name for index <paramref name="i"/> under <paramref name="tag"/>.</summary>
    public abstract string Name(string tag, int i);

    /// <inheritdoc />
    public abstract void Dispose();

    /// <summary>The raw client for a benchmark store name (s3, gcs-emulator, sftp).</summary>
    public static RawConditionalClient For(string store) => store switch
    {
        "s3" => new S3Raw(),
        "gcs-emulator" => new GcsRaw(),
        "sftp" => new SftpRaw(),
        _ => throw new ArgumentException($"no raw client for '{store}'", nameof(store)),
    };

    private sealed class S3Raw : RawConditionalClient
    {
        private readonly AmazonS3Client _client = S3TestServer.RawClient();

        public override async Task CreateExclusiveAsync(string name, byte[] content)
        {
            using var body = new MemoryStream(content, writable: false);
            await _client.PutObjectAsync(new PutObjectRequest
            {
                BucketName = S3TestServer.Bucket,
                Key = name,
                InputStream = body,
                IfNoneMatch = "*",
                ContentType = "application/json",
            }).ConfigureAwait(false);
        }

        public override async Task DeleteAsync(string name) =>
            await _client.DeleteObjectAsync(S3TestServer.Bucket, name).ConfigureAwait(false);

        public override string Name(string tag, int i) => $"bench/{tag}/raw/f{i}.csv.lock";

        public override void Dispose() => _client.Dispose();
    }

    private sealed class GcsRaw : RawConditionalClient
    {
        private readonly HttpClient _http = new(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue }) { BaseAddress = GcsTestEmulator.Shared.Endpoint };

        public override async Task CreateExclusiveAsync(string name, byte[] content)
        {
            using var body = new ByteArrayContent(content);
            body.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            using var response = await _http.PostAsync(
                $"/upload/storage/v1/b/{GcsTestEmulator.Bucket}/o?uploadType=media&ifGenerationMatch=0&name={Uri.EscapeDataString(name)}", body).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"raw GCS create of {name}: {(int)response.StatusCode}");
            }
        }

        public override async Task DeleteAsync(string name)
        {
            using var response = await _http.DeleteAsync($"/storage/v1/b/{GcsTestEmulator.Bucket}/o/{Uri.EscapeDataString(name)}").ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.NoContent && response.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"raw GCS delete of {name}: {(int)response.StatusCode}");
            }
        }

        public override string Name(string tag, int i) => $"bench/{tag}/raw/f{i}.csv.lock";

        public override void Dispose() => _http.Dispose();
    }

    private sealed class SftpRaw : RawConditionalClient
    {
        private readonly SftpClient _client = SftpTestServer.Shared.RawClient();

        public override async Task CreateExclusiveAsync(string name, byte[] content)
        {
            var stream = await _client.OpenAsync(name, FileMode.CreateNew, FileAccess.Write, CancellationToken.None).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(content).ConfigureAwait(false);
            }
        }

        public override Task DeleteAsync(string name) => _client.DeleteFileAsync(name, CancellationToken.None);

        /// <summary>
        /// 6, not the 4 the calls name: SSH.NET's public API sends OPEN, then FSTAT (its stream's size), WRITE and CLOSE
        /// for the create, and REALPATH before REMOVE for the delete. Counted with strace on OpenSSH's internal-sftp
        /// (openat, fstat of the handle, write, close, an lstat of every path component, unlink per cycle).
        /// </summary>
        public override int RequestsPerCycle => 6;

        public override string Name(string tag, int i) => $"{SftpTestServer.Shared.Root}/bench-{tag}-raw-f{i}.csv.lock";

        public override void Dispose() => _client.Dispose();
    }
}
