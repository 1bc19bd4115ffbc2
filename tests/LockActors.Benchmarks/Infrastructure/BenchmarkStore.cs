using Akka.Configuration;
using LockActors.Configuration.Stores;
using LockActors.Gcs;
using LockActors.S3;
using LockActors.Sftp;
using LockActors.Storage;
using LockActors.Storage.Backends;
using LockActors.Storage.Stores.File;
using LockActors.Storage.Stores.Memory;
using LockActors.TestServers.Backends;
using LockActors.TestServers.Gcs;
using LockActors.TestServers.S3;
using LockActors.TestServers.Sftp;

namespace LockActors.Benchmarks.Infrastructure;

/// <summary>
/// One store to benchmark: the real store, a counting wrapper the lock actors are given, the store's wire-request
/// counter where it has one, and distinct target URIs. Network stores are built from the same HOCON the test suites
/// use (<see cref="TestBackends"/>), so there is one definition of how to reach each backend; external servers come
/// from the LOCKACTORS_* variables that tests/servers/*.sh print, the GCS emulator runs in-process.
/// </summary>
public sealed class BenchmarkStore : IAsyncDisposable
{
    private readonly Func<int, string> _uri;
    private readonly Func<ValueTask>? _cleanup;

    private BenchmarkStore(string name, string scheme, ILockStore store, string wireUnit, Func<int, string> uri, Func<ValueTask>? cleanup)
    {
        Name = name;
        Scheme = scheme;
        Store = store;
        Counting = new CountingStore(store);
        var requests = Requests(store);
        Wire = requests is null ? null : () => requests.Total;
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
    public static async Task<(BenchmarkStore? Store, string? Unavailable)> CreateAsync(string name, string tag)
    {
        switch (name)
        {
            case "mem":
                return (new BenchmarkStore(name, "mem", new MemoryLockStore(), string.Empty, i => $"mem://bench/{tag}/f{i}.csv", null), null);
            case "file":
            {
                var dir = Path.Combine(Path.GetTempPath(), "lockactors-bench", tag);
                Directory.CreateDirectory(dir);
                return (new BenchmarkStore(name, "file", new FileLockStore(), string.Empty, i => new Uri(Path.Combine(dir, $"f{i}.csv")).AbsoluteUri, () =>
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
                return await NetworkAsync(name, "s3", () => TestBackends.S3, "HTTP requests", () => i => $"s3://{S3TestServer.Bucket}/bench/{tag}/f{i}.csv",
                    store => ((S3LockStore)store).ProbeAsync(S3TestServer.Bucket)).ConfigureAwait(false); // once per bucket: not part of any measured operation
            case "gcs-emulator":
                return await NetworkAsync(name, "gs", () => TestBackends.Gcs, "HTTP requests", () => i => $"gs://{GcsTestEmulator.Bucket}/bench/{tag}/f{i}.csv",
                    _ => Task.CompletedTask).ConfigureAwait(false);
            case "sftp":
                return await NetworkAsync(name, "sftp", () => TestBackends.Sftp, "SFTP requests",
                    () =>
                    {
                        var root = SftpTestServer.Shared.Root;
                        return i => SftpTestServer.Shared.UriOf($"{root}/bench-{tag}-f{i}.csv");
                    },
                    _ => Task.CompletedTask).ConfigureAwait(false);
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

    /// <summary>
    /// A network store built by its provider from the suites' HOCON (<paramref name="backend"/>), then
    /// <paramref name="prepare"/>d and warmed up (connect, probe, clock) outside any measurement.
    /// </summary>
    private static async Task<(BenchmarkStore? Store, string? Unavailable)> NetworkAsync(
        string name, string scheme, Func<StoreUnderTest> backend, string wireUnit, Func<Func<int, string>> uris, Func<ILockStore, Task> prepare)
    {
        LockStoreRegistry registry;
        Func<int, string> uri;
        try
        {
            registry = LockStoreRegistryFactory.Create(ConfigurationFactory.ParseString(backend().Hocon + Tuning(scheme)));
            uri = uris();
        }
        catch (InvalidOperationException e)
        {
            return (null, $"not measured ({e.Message})"); // a server that is not running: TestEnvironment.Require says which
        }

        var store = registry.Resolve(scheme);
        var sut = new BenchmarkStore(name, scheme, store, wireUnit, uri, registry.DisposeAsync);
        await prepare(store).ConfigureAwait(false);
        await sut.WarmUpAsync().ConfigureAwait(false);
        return (sut, null);
    }

    /// <summary>
    /// Store settings a run asks for through the environment: LOCKACTORS_BENCH_SFTP_CONNECTIONS sets the sftp store's
    /// connections-per-server (default: the store's own default).
    /// </summary>
    private static string Tuning(string scheme) =>
        scheme == "sftp" && Environment.GetEnvironmentVariable("LOCKACTORS_BENCH_SFTP_CONNECTIONS") is { Length: > 0 } connections
            ? $"\nlock-actors.stores.sftp.connections-per-server = {int.Parse(connections, System.Globalization.CultureInfo.InvariantCulture)}\n"
            : string.Empty;

    private static StoreRequestCounter? Requests(ILockStore store) => store switch
    {
        S3LockStore s3 => s3.Requests,
        GcsLockStore gcs => gcs.Requests,
        SftpLockStore sftp => sftp.Requests,
        _ => null,
    };
}
