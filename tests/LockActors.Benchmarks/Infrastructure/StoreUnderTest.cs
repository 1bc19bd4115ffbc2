using System.Globalization;
using LockActors.Storage;
using LockActors.Storage.Stores.File;
using LockActors.Gcs;
using LockActors.Storage.Stores.Memory;
using LockActors.S3;
using LockActors.Sftp;
using LockActors.TestServers.Gcs;

namespace LockActors.Benchmarks.Infrastructure;

/// <summary>
/// One store to benchmark: the real store, a counting wrapper the lock actors are given, a wire-request counter
/// where the backend has one, and distinct target URIs. External servers come from the LOCKACTORS_* variables that
/// tests/servers/*.sh print; the GCS emulator runs in-process.
/// </summary>
public sealed class StoreUnderTest : IAsyncDisposable
{
    private readonly Func<int, string> _uri;
    private readonly Func<ValueTask>? _cleanup;

    private StoreUnderTest(string name, string scheme, ILockStore store, Func<long>? wire, string wireUnit, Func<int, string> uri, Func<ValueTask>? cleanup)
    {
        Name = name;
        Scheme = scheme;
        Store = store;
        Counting = new CountingStore(store);
        Wire = wire;
        WireUnit = wireUnit;
        _uri = uri;
        _cleanup = cleanup;
    }

    public static readonly string[] All = ["mem", "file", "sftp", "s3", "gcs-emulator"];

    public string Name { get; }

    public string Scheme { get; }

    public ILockStore Store { get; }

    public CountingStore Counting { get; }

    /// <summary>Requests put on the wire so far (HTTP or SFTP); null for stores without a wire.</summary>
    public Func<long>? Wire { get; }

    public string WireUnit { get; }

    /// <summary>A distinct target URI.</summary>
    public string Uri(int index) => _uri(index);

    public LockTarget Target(int index) => LockTarget.Parse(_uri(index));

    /// <summary>Builds the store, or returns the reason it is not available (server not running).</summary>
    public static async Task<(StoreUnderTest? Store, string? Unavailable)> CreateAsync(string name, string tag)
    {
        switch (name)
        {
            case "mem":
                return (new StoreUnderTest(name, "mem", new MemoryLockStore(), null, string.Empty, i => $"mem://bench/{tag}/f{i}.csv", null), null);
            case "file":
            {
                var dir = Path.Combine(Path.GetTempPath(), "lockactors-bench", tag);
                Directory.CreateDirectory(dir);
                return (new StoreUnderTest(name, "file", new FileLockStore(), null, string.Empty, i => new Uri(Path.Combine(dir, $"f{i}.csv")).AbsoluteUri, () =>
                {
                    try
                    {
                        Directory.Delete(dir, recursive: true);
                    }
                    catch (IOException)
                    {
                    }

                    return ValueTask.CompletedTask;
                }), null);
            }

            case "s3":
            {
                var endpoint = Env("LOCKACTORS_S3_ENDPOINT");
                if (endpoint is null)
                {
                    return (null, "not measured (server not running: LOCKACTORS_S3_ENDPOINT unset; start tests/servers/ceph-rgw.sh)");
                }

                var settings = S3StoreSettings.Default.WithServiceUrl(endpoint).WithCredentials(Env("LOCKACTORS_S3_ACCESS_KEY")!, Env("LOCKACTORS_S3_SECRET_KEY")!);
                var bucket = Env("LOCKACTORS_S3_BUCKET")!;
                var store = new S3LockStore(settings);
                await store.ProbeAsync(bucket).ConfigureAwait(false); // once per bucket: not part of any measured operation
                return (new StoreUnderTest(name, "s3", store, () => store.Requests.Total, "HTTP requests", i => $"s3://{bucket}/bench/{tag}/f{i}.csv", store.DisposeAsync), null);
            }

            case "gcs-emulator":
            {
                var emulator = new GcsEmulator();
                emulator.CreateBucket("bench");
                await emulator.StartAsync().ConfigureAwait(false);
                var settings = new GcsStoreSettings(emulator.Endpoint, GcsCredentials.None, TimeSpan.FromSeconds(10));
                var store = new GcsLockStore(settings);
                return (new StoreUnderTest(name, "gs", store, () => emulator.RequestCount, "HTTP requests", i => $"gs://bench/{tag}/f{i}.csv", async () =>
                {
                    await store.DisposeAsync().ConfigureAwait(false);
                    await emulator.DisposeAsync().ConfigureAwait(false);
                }), null);
            }

            case "sftp":
            {
                var host = Env("LOCKACTORS_SFTP_HOST");
                if (host is null)
                {
                    return (null, "not measured (server not running: LOCKACTORS_SFTP_HOST unset; start tests/servers/sftp.sh)");
                }

                var port = int.Parse(Env("LOCKACTORS_SFTP_PORT")!, CultureInfo.InvariantCulture);
                var user = Env("LOCKACTORS_SFTP_USER")!;
                var root = Env("LOCKACTORS_SFTP_ROOT")!;
                var settings = SftpStoreSettings.Default
                    .WithCredentials(SftpCredentials.FromKeyFile(Env("LOCKACTORS_SFTP_KEY")!))
                    .WithHostKeySha256(Env("LOCKACTORS_SFTP_HOSTKEY_SHA256")!);
                var store = new SftpLockStore(settings);
                var prefix = $"sftp://{System.Uri.EscapeDataString(user)}@{host}:{port}" + string.Join('/', root.Split('/').Select(System.Uri.EscapeDataString));
                var sut = new StoreUnderTest(name, "sftp", store, () => store.Requests.Total, "SFTP requests", i => $"{prefix}/bench-{tag}-f{i}.csv", store.DisposeAsync);
                await sut.WarmUpAsync().ConfigureAwait(false); // connect + auth once: not part of any measured operation
                return (sut, null);
            }

            default:
                throw new ArgumentException($"unknown store '{name}'", nameof(name));
        }
    }

    /// <summary>One raw create + delete so connections, probes and clocks are set up before measuring.</summary>
    public async Task WarmUpAsync()
    {
        var key = LockTarget.Parse(_uri(-1)).Sidecar;
        var v = await Store.TryCreateAsync(key, "{}"u8.ToArray()).ConfigureAwait(false);
        if (v is { } version)
        {
            await Store.TryDeleteAsync(key, version).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_cleanup is not null)
        {
            await _cleanup().ConfigureAwait(false);
        }
    }

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;
}
