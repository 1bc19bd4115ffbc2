using LockActors.TestServers.Gcs;
using LockActors.TestServers.S3;
using LockActors.TestServers.Sftp;
using Renci.SshNet;

namespace LockActors.TestServers.Backends;

/// <summary>
/// The one definition of every backend the actor-level and reliability suites run against. Each is built on first
/// use, so a suite that needs no external server never reads the LOCKACTORS_* variables of another.
/// </summary>
public static class TestBackends
{
    private static readonly Lazy<StoreUnderTest> s_memory = new(() => new(
        "mem",
        "lock-actors.stores.mem.scope = process",
        name => $"mem://protocol/{Guid.NewGuid():N}/{name}",
        TimeSpan.FromSeconds(3)));

    private static readonly Lazy<StoreUnderTest> s_file = new(() => FileStore(string.Empty));

    private static readonly Lazy<StoreUnderTest> s_fileInlineIo = new(() => FileStore("\nlock-actors.stores.file.inline-io = on"));

    private static readonly Lazy<StoreUnderTest> s_gcs = new(() => new(
        "gs",
        GcsTestEmulator.Hocon(GcsTestEmulator.Shared),
        name => $"gs://{GcsTestEmulator.Bucket}/protocol/{Guid.NewGuid():N}/{name}",
        // GCS times (Last-Modified, Date) have 1 s resolution: a TTL of a few seconds keeps staleness checks meaningful.
        TimeSpan.FromSeconds(3)));

    private static readonly Lazy<StoreUnderTest> s_s3 = new(() => new(
        "s3",
        S3TestServer.Hocon(),
        name => $"s3://{S3TestServer.Bucket}/protocol/{Guid.NewGuid():N}/{name}",
        // RGW timestamps have 1 s resolution, and under the full parallel test run a loopback RGW on 2 busy cores
        // stalls for over a second at times: 5 s keeps renewals (every 1.7 s) clear of both.
        TimeSpan.FromSeconds(5)));

    private static readonly Lazy<StoreUnderTest> s_sftp = new(() =>
    {
        var raw = new Lazy<SftpClient>(() => SftpTestServer.Shared.RawClient());
        return new(
            "sftp",
            SftpTestServer.Shared.Hocon(),
            name =>
            {
                var dir = SftpTestServer.Shared.Root + "/protocol-" + Guid.NewGuid().ToString("N");
                raw.Value.CreateDirectory(dir);
                return SftpTestServer.Shared.UriOf(dir + "/" + name);
            },
            // Server mtimes have 1 s resolution: a TTL of a few seconds keeps staleness checks meaningful.
            TimeSpan.FromSeconds(3));
    });

    /// <summary>mem:// — in-process only.</summary>
    public static StoreUnderTest Memory => s_memory.Value;

    /// <summary>file:// under a fresh temporary root.</summary>
    public static StoreUnderTest File => s_file.Value;

    /// <summary>file:// under a fresh temporary root, with <c>inline-io = on</c> (the store's calls on the actors' threads).</summary>
    public static StoreUnderTest FileInlineIo => s_fileInlineIo.Value;

    /// <summary>gs:// on the in-process GCS emulator (in-repo, not Google's service); it listens on loopback, so worker processes reach it too.</summary>
    public static StoreUnderTest Gcs => s_gcs.Value;

    /// <summary>s3:// on the Ceph RGW of tests/servers/ceph-rgw.sh (strict probe).</summary>
    public static StoreUnderTest S3 => s_s3.Value;

    /// <summary>sftp:// on the throwaway OpenSSH server of tests/servers/sftp.sh.</summary>
    public static StoreUnderTest Sftp => s_sftp.Value;

    private static StoreUnderTest FileStore(string extraHocon)
    {
        var root = Directory.CreateTempSubdirectory("lockactors-protocol-").FullName;
        return new(
            "file",
            $"lock-actors.stores.file.root = \"{root}\"{extraHocon}",
            name => new Uri(Path.Combine(Directory.CreateDirectory(Path.Combine(root, Guid.NewGuid().ToString("N"))).FullName, name)).AbsoluteUri,
            TimeSpan.FromSeconds(3));
    }
}
