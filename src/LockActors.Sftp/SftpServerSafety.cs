using System.Collections.Concurrent;
using Renci.SshNet.Common;

namespace LockActors.Sftp;

/// <summary>
/// The store's verdict per server (host:port), reached once before its first write by <see cref="SftpServerProbe"/>:
/// whether it gives atomic create-if-absent. The verdict is cached either way, so an unsafe server is refused with
/// <see cref="StoreNotSafeException"/> on every call without being probed again; a probe cut short by a lost
/// connection or a missing directory is no verdict and runs again next time.
/// </summary>
internal sealed class SftpServerSafety(SftpStoreSettings settings, SftpConnectionPool pool)
{
    private readonly ConcurrentDictionary<(string Host, int Port), Lazy<Task<SftpServerProfile>>> _profiles = new();
    private long _probes;

    /// <summary>Probes run so far.</summary>
    public long Probes => Interlocked.Read(ref _probes);

    /// <summary>Returns when <paramref name="session"/>'s server is known safe, probing it first if it was never judged.</summary>
    public async Task EnsureSafeAsync(SftpSession session)
    {
        var server = session.Endpoint.Server;
        var verdict = _profiles.GetOrAdd(server, _ => new Lazy<Task<SftpServerProfile>>(() => ProbeAsync(session)));
        SftpServerProfile profile;
        try
        {
            profile = await verdict.Value.WaitAsync(session.Token).ConfigureAwait(false);
        }
        catch (Exception) when (verdict.Value.IsFaulted || verdict.Value.IsCanceled)
        {
            _profiles.TryRemove(new KeyValuePair<(string, int), Lazy<Task<SftpServerProfile>>>(server, verdict));
            throw;
        }

        if (profile.Flaw is { } flaw)
        {
            throw new StoreNotSafeException(
                $"{profile.Server} {flaw}, so two processes could both create the same lock. " +
                "The sftp:// store needs OpenSSH's sftp-server (or internal-sftp) on a file system with hard links.");
        }
    }

    private async Task<SftpServerProfile> ProbeAsync(SftpSession session)
    {
        Interlocked.Increment(ref _probes);
        var endpoint = session.Endpoint;
        var directory = session.Names.Directory;
        // Shared by every caller waiting on this server, so it must not inherit one caller's cancellation.
        using var timeout = new CancellationTokenSource(settings.ConnectTimeout + settings.OperationTimeout * 4);
        var probe = new SftpServerProbe(session.Wire, ct => pool.OpenUnpooledAsync(endpoint, ct));
        try
        {
            return await probe.RunAsync($"sftp://{endpoint.Host}:{endpoint.Port}", directory, timeout.Token).ConfigureAwait(false);
        }
        catch (SftpPathNotFoundException e)
        {
            throw session.MissingDirectory(e);
        }
        catch (OperationCanceledException e) when (timeout.IsCancellationRequested)
        {
            throw new StoreUnavailableException($"The safety probe of sftp://{endpoint.Host}:{endpoint.Port} did not finish in time; it runs again on the next write.", e);
        }
    }
}
