using System.Buffers;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.ExceptionServices;
using Renci.SshNet;
using Renci.SshNet.Common;
using Renci.SshNet.Sftp;
using LockActors.Storage.Backends;

namespace LockActors.Sftp;

/// <summary>
/// The SFTP request layer of one connection: exactly one counted SFTP request per call. <see cref="SftpClient"/>'s
/// public file API adds requests the lock protocol does not need, each a round trip (seen with strace on sftp-server):
/// an <c>SSH_FXP_REALPATH</c> before every GetAttributes / DeleteFile / RenameFile, an <c>FSTAT</c> after every Open,
/// and a read-ahead READ past EOF. Sidecar paths are already absolute and normalised (<see cref="LockTarget"/> rejects
/// <c>.</c> and <c>..</c>), and a handle's FSTAT gives the mtime of exactly the bytes read through it, so the store
/// talks to the client's SFTP session directly. SSH.NET keeps that session API internal; it is bound by reflection
/// once, verified against the pinned SSH.NET 2026.0.0, and the store refuses to start (with this explanation) if a
/// different SSH.NET lacks it.
/// </summary>
internal sealed class SftpWire(SftpClient client, StoreRequestCounter requests, SftpRoundTrips? roundTrips = null)
{
    private const BindingFlags Instance = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
    private static readonly FieldInfo? SessionField = typeof(SftpClient).GetField("_sftpSession", Instance);
    private static readonly Type? SessionType = typeof(SftpClient).Assembly.GetType("Renci.SshNet.Sftp.ISftpSession");
    private static readonly Type? FlagsType = typeof(SftpClient).Assembly.GetType("Renci.SshNet.Sftp.Flags");
    private static readonly MethodInfo? Open = Method("RequestOpenAsync", typeof(string), FlagsType, typeof(CancellationToken));
    private static readonly MethodInfo? Read = Method("RequestReadAsync", typeof(byte[]), typeof(ulong), typeof(uint), typeof(CancellationToken));
    private static readonly MethodInfo? Write = Method("RequestWriteAsync", typeof(byte[]), typeof(ulong), typeof(byte[]), typeof(int), typeof(int), typeof(CancellationToken));
    private static readonly MethodInfo? FStat = Method("RequestFStatAsync", typeof(byte[]), typeof(CancellationToken));
    private static readonly MethodInfo? Close = Method("RequestCloseAsync", typeof(byte[]), typeof(CancellationToken));
    private static readonly MethodInfo? LStat = Method("RequestLStatAsync", typeof(string), typeof(CancellationToken));
    private static readonly MethodInfo? Remove = Method("RequestRemoveAsync", typeof(string), typeof(CancellationToken));
    private static readonly MethodInfo? Rename = Method("RequestRenameAsync", typeof(string), typeof(string), typeof(CancellationToken));
    private static readonly MethodInfo? PosixRename = Method("RequestPosixRename", typeof(string), typeof(string));

    /// <summary>SFTP v3 open flags (SSH.NET's internal <c>Flags</c> enum has the same values).</summary>
    [Flags]
    public enum OpenFlags
    {
        /// <summary>SSH_FXF_READ.</summary>
        Read = 1,

        /// <summary>SSH_FXF_WRITE.</summary>
        Write = 2,

        /// <summary>SSH_FXF_CREAT | SSH_FXF_EXCL: fails when the file exists (atomic on OpenSSH: O_CREAT|O_EXCL).</summary>
        CreateNew = 40,
    }

    /// <summary>True when every request this store sends is bound.</summary>
    public static bool IsAvailable { get; } = SessionField is not null && FlagsType is not null &&
        new[] { Open, Read, Write, FStat, Close, LStat, Remove, Rename, PosixRename }.All(m => m is not null);

    private readonly List<Task> _unanswered = [];

    /// <summary>The connection the requests go over.</summary>
    public SftpClient Client => client;

    /// <summary>The server's SSH identification string (e.g. <c>SSH-2.0-OpenSSH_9.2p1 Debian-2</c>).</summary>
    public string ServerIdentification => client.ConnectionInfo.ServerVersion ?? string.Empty;

    /// <summary>
    /// True when the server identifies as OpenSSH, whose sftp-server (and internal-sftp) handles one request at a time,
    /// in the order sent, whatever file each names. Only then does the store send a request whose safety depends on an
    /// earlier request to another file having been handled first (a release's guard REMOVE right behind the sidecar's
    /// REMOVE) without waiting for the earlier one's answer. SFTP itself only orders requests on the same file.
    /// </summary>
    public bool ProcessesInOrder => ServerIdentification.Contains("OpenSSH", StringComparison.OrdinalIgnoreCase);

    /// <summary>Throws, explaining why, when the SSH.NET in use is not the one this store was verified with.</summary>
    public static void EnsureAvailable()
    {
        if (!IsAvailable)
        {
            throw new NotSupportedException(
                $"The sftp:// store needs SSH.NET's SFTP session requests (verified with SSH.NET 2026.0.0); {typeof(SftpClient).Assembly.GetName()} lacks them.");
        }
    }

    /// <summary>
    /// True when <paramref name="e"/> means the connection is gone (or a request on it timed out): the pooled client
    /// is thrown away, and whether a request sent on it happened is unknown.
    /// </summary>
    public static bool IsConnectionFailure(Exception e) => e switch
    {
        SshConnectionException or SshOperationTimeoutException or SocketException or ObjectDisposedException or TimeoutException => true,
        SftpException { StatusCode: StatusCode.NoConnection or StatusCode.ConnectionLost } => true,
        SshException { InnerException: SocketException } => true,
        IOException { InnerException: SocketException } => true,
        _ => false,
    };

    /// <summary>The same request layer over another connection, counted by the same counters.</summary>
    public SftpWire Over(SftpClient other) => new(other, requests, roundTrips);

    /// <summary>OPEN; the handle.</summary>
    public Task<byte[]> OpenAsync(string path, OpenFlags flags, CancellationToken ct) =>
        (Task<byte[]>)Invoke(Open!, path, Enum.ToObject(FlagsType!, (int)flags), ct);

    /// <summary>One READ; an empty array at end of file.</summary>
    public async Task<byte[]> ReadAsync(byte[] handle, ulong offset, uint length, CancellationToken ct)
    {
        // SSH.NET 2026 answers with a pooled buffer (an internal IMemoryOwner<byte>): copy it out and return it to the pool.
        var request = (Task)Invoke(Read!, handle, offset, length, ct);
        await request.ConfigureAwait(false);
        var result = request.GetType().GetProperty(nameof(Task<object>.Result))!.GetValue(request);
        return result switch
        {
            byte[] bytes => bytes,
            IMemoryOwner<byte> owner => CopyAndDispose(owner),
            _ => throw new NotSupportedException($"Unexpected SFTP read result {result?.GetType().FullName ?? "null"}."),
        };
    }

    /// <summary>One WRITE of <paramref name="data"/> at offset 0.</summary>
    public Task WriteAsync(byte[] handle, byte[] data, CancellationToken ct) =>
        (Task)Invoke(Write!, handle, 0UL, data, 0, data.Length, ct);

    /// <summary>FSTAT of an open handle.</summary>
    public Task<SftpFileAttributes> FStatAsync(byte[] handle, CancellationToken ct) =>
        (Task<SftpFileAttributes>)Invoke(FStat!, handle, ct);

    /// <summary>CLOSE of a handle.</summary>
    public Task CloseAsync(byte[] handle, CancellationToken ct) =>
        (Task)Invoke(Close!, handle, ct);

    /// <summary>LSTAT (does not follow a symbolic link); <see cref="SftpPathNotFoundException"/> when absent.</summary>
    public Task<SftpFileAttributes> LStatAsync(string path, CancellationToken ct) =>
        (Task<SftpFileAttributes>)Invoke(LStat!, path, ct);

    /// <summary>REMOVE of a file.</summary>
    public Task RemoveAsync(string path, CancellationToken ct) =>
        (Task)Invoke(Remove!, path, ct);

    /// <summary>Plain RENAME (OpenSSH: link + unlink, refuses to overwrite).</summary>
    public Task RenameAsync(string from, string to, CancellationToken ct) =>
        (Task)Invoke(Rename!, from, to, ct);

    /// <summary>posix-rename@openssh.com (atomic overwrite). SSH.NET only has it synchronously: it runs on the thread pool.</summary>
    public Task PosixRenameAsync(string from, string to, CancellationToken ct)
    {
        requests.Record("POSIX-RENAME");
        return Tracked(Task.Run(() => InvokeUncounted(PosixRename!, from, to), ct));
    }

    /// <summary>SYMLINK through SSH.NET's public API (only the server probe creates links). Runs on the thread pool.</summary>
    public Task SymbolicLinkAsync(string path, string linkPath, CancellationToken ct)
    {
        requests.Record("SYMLINK");
        return Tracked(Task.Run(() => client.SymbolicLink(path, linkPath), ct));
    }

    private static byte[] CopyAndDispose(IMemoryOwner<byte> owner)
    {
        using (owner)
        {
            return owner.Memory.ToArray();
        }
    }

    private object Invoke(MethodInfo method, params object[] arguments)
    {
        requests.Record(Kind(method));
        var sent = InvokeUncounted(method, arguments);
        if (sent is Task request)
        {
            Tracked(request);
        }

        return sent;
    }

    /// <summary>
    /// Counts a round trip when <paramref name="request"/> goes out while no other request of this wire (one store
    /// operation) is unanswered: requests sent together share one. A task is complete before any code awaiting it
    /// runs, so a request sent after an answer never sees that answer's request as outstanding.
    /// </summary>
    private Task Tracked(Task request)
    {
        if (roundTrips is null)
        {
            return request;
        }

        lock (_unanswered)
        {
            _unanswered.RemoveAll(static t => t.IsCompleted);
            if (_unanswered.Count == 0)
            {
                roundTrips.Record();
            }

            _unanswered.Add(request);
        }

        return request;
    }

    /// <summary>The SFTP request type a bound method sends: <c>RequestFStatAsync</c> is <c>"FSTAT"</c>.</summary>
    private static string Kind(MethodInfo method) =>
        method.Name["Request".Length..].Replace("Async", string.Empty, StringComparison.Ordinal).ToUpperInvariant();

    private object InvokeUncounted(MethodInfo method, params object[] arguments)
    {
        var session = SessionField!.GetValue(client) ?? throw new SshConnectionException("Client not connected.");
        try
        {
            return method.Invoke(session, arguments) ?? Task.CompletedTask;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }

    private static MethodInfo? Method(string name, params Type?[] parameters) =>
        parameters.Any(p => p is null) ? null : SessionType?.GetMethod(name, parameters!);
}
