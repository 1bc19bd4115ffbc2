using System.Collections.Concurrent;
using Renci.SshNet.Common;
using LockActors.Storage.Backends;

namespace LockActors.Sftp;

/// <summary>
/// Runs store operations as <see cref="SftpSession"/>s on pooled connections: one retry on a fresh connection when
/// the first one failed before anything irreversible was sent, and the mapping of SSH and SFTP failures onto the
/// store's typed exceptions. Holds what sessions share: the pool, the per-server clock estimates and the request and round-trip counts.
/// </summary>
internal sealed class SftpSessions(SftpStoreSettings settings, TimeProvider time, SftpConnectionPool pool, StoreRequestCounter requests, SftpRoundTrips roundTrips)
{
    private readonly ConcurrentDictionary<(string Host, int Port), SftpServerClock> _clocks = new();

    /// <summary>The local clock (the server clock is estimated against it).</summary>
    public TimeProvider Time => time;

    /// <summary>Test seam: runs before each plain RENAME and LSTAT a session sends (request name, path).</summary>
    public Func<string, string, Task>? BeforeRequestForTest { get; set; }

    /// <summary>
    /// Runs <paramref name="body"/> on a session for <paramref name="key"/>. A connection failure before the commit is
    /// retried once on a fresh connection; every other failure surfaces as a <see cref="LockStoreException"/>.
    /// </summary>
    public async Task<T> RunAsync<T>(SidecarKey key, Func<SftpSession, Task<T>> body, CancellationToken cancellationToken)
    {
        var endpoint = SftpEndpoint.Of(key, settings);
        for (var attempt = 1; ; attempt++)
        {
            var session = await OpenAsync(endpoint, key, cancellationToken).ConfigureAwait(false);
            try
            {
                return await body(session).ConfigureAwait(false);
            }
            catch (Exception e) when (SftpWire.IsConnectionFailure(e) && !cancellationToken.IsCancellationRequested)
            {
                Discard(session);
                if (attempt == 1 && !session.CommitSent)
                {
                    continue; // nothing irreversible was sent: retry once on a fresh connection
                }

                throw new StoreUnavailableException($"The connection to sftp://{endpoint} failed during an operation on '{key}': {e.Message}", e);
            }
            catch (SftpPermissionDeniedException e)
            {
                throw new StoreAccessDeniedException($"sftp://{endpoint} denied access for '{key}': {e.Message}", e);
            }
            catch (SftpException e)
            {
                throw new StoreUnavailableException($"sftp://{endpoint} failed an operation on '{key}': {e.StatusCode} {e.Message}", e);
            }
            catch (Exception e) when (e is SshException or InvalidOperationException or FormatException or OverflowException or ArgumentException or IndexOutOfRangeException or NotSupportedException
                                      && e is not LockStoreException && e is not ObjectDisposedException)
            {
                // A malformed or hostile reply that SSH.NET could not parse: a typed outage, never an untyped crash.
                throw new StoreUnavailableException($"sftp://{endpoint} sent an unusable reply during an operation on '{key}': {e.GetType().Name}: {e.Message}", e);
            }
        }
    }

    /// <summary>Drops <paramref name="session"/>'s connection from the pool (it failed), so the next use reconnects.</summary>
    public void Discard(SftpSession session) => pool.Invalidate(session.Endpoint, session.Wire.Client);

    /// <summary>Drops <paramref name="session"/>'s connection and opens a session for the same sidecar on a fresh one.</summary>
    public Task<SftpSession> ReconnectAsync(SftpSession session)
    {
        Discard(session);
        return OpenAsync(session.Endpoint, session.Key, session.Token);
    }

    private async Task<SftpSession> OpenAsync(SftpEndpoint endpoint, SidecarKey key, CancellationToken cancellationToken)
    {
        var client = await pool.GetAsync(endpoint, cancellationToken).ConfigureAwait(false);
        var clock = _clocks.GetOrAdd(endpoint.Server, _ => new SftpServerClock(time));
        return new SftpSession(this, endpoint, new SftpWire(client, requests, roundTrips), key, clock, cancellationToken);
    }
}
