using System.Collections.Concurrent;
using System.Net.Sockets;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace LockActors.Sftp;

/// <summary>
/// <see cref="SftpStoreSettings.ConnectionsPerServer"/> connected <see cref="SftpClient"/>s per endpoint (the store's
/// credentials are fixed; one by default), shared by every caller round-robin: SSH.NET pipelines concurrent SFTP
/// requests over each one's channel. Each is connected on first use. A client found disconnected, or one that failed,
/// is replaced on the next use (transparent reconnect). Thread-safe.
/// </summary>
internal sealed class SftpConnectionPool(SftpStoreSettings settings) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<SftpEndpoint, Slot[]> _slots = new();
    private int _next;

    // Loaded once: reading, and for protected keys decrypting (bcrypt KDF), is slow and the key never changes.
    private readonly Lazy<PrivateKeyFile?> _key = new(
        () => settings.Credentials.HasKey ? settings.Credentials.LoadKey() : null, LazyThreadSafetyMode.PublicationOnly);
    private volatile bool _disposed;

    /// <summary>Number of SSH connections established so far (for tests and diagnostics).</summary>
    public int ConnectCount => _connects;

    private int _connects;

    /// <summary>A connected client for <paramref name="endpoint"/>, connecting (again) if needed.</summary>
    public Task<SftpClient> GetAsync(SftpEndpoint endpoint, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var slots = _slots.GetOrAdd(endpoint, e => [.. Enumerable.Range(0, settings.ConnectionsPerServer).Select(_ => new Slot(e))]);
        var slot = slots.Length == 1 ? slots[0] : slots[(int)((uint)Interlocked.Increment(ref _next) % (uint)slots.Length)];
        var current = slot.Client;
        return current is { IsConnected: true } ? Task.FromResult(current) : ConnectAsync(slot, cancellationToken);
    }

    /// <summary>A new connection outside the pool (not counted in <see cref="ConnectCount"/>), for the caller to dispose.</summary>
    public Task<SftpClient> OpenUnpooledAsync(SftpEndpoint endpoint, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Task.Run(() => OpenAsync(endpoint, cancellationToken), cancellationToken);
    }

    /// <summary>Drops <paramref name="client"/> if it is still the pooled one, so the next call reconnects.</summary>
    public void Invalidate(SftpEndpoint endpoint, SftpClient client)
    {
        if (!_slots.TryGetValue(endpoint, out var slots))
        {
            return;
        }

        foreach (var slot in slots)
        {
            if (Interlocked.CompareExchange(ref slot.Client, null, client) == client)
            {
                DisposeQuietly(client);
                return;
            }
        }
    }

    /// <summary>Closes every pooled connection.</summary>
    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        if (_key.IsValueCreated)
        {
            _key.Value?.Dispose();
        }

        var clients = _slots.Values.SelectMany(slots => slots).Select(s => Interlocked.Exchange(ref s.Client, null)).OfType<SftpClient>().ToArray();
        _slots.Clear();
        await Task.Run(() =>
        {
            foreach (var client in clients)
            {
                DisposeQuietly(client);
            }
        }).ConfigureAwait(false);
    }

    private async Task<SftpClient> ConnectAsync(Slot slot, CancellationToken cancellationToken)
    {
        await slot.Connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (slot.Client is { IsConnected: true } ready)
            {
                return ready;
            }

            if (Interlocked.Exchange(ref slot.Client, null) is { } stale)
            {
                DisposeQuietly(stale);
            }

            ObjectDisposedException.ThrowIf(_disposed, this);
            // Off the caller's thread: key loading and SSH.NET's connection setup have synchronous parts.
            var client = await Task.Run(() => OpenAsync(slot.Endpoint, cancellationToken), cancellationToken).ConfigureAwait(false);
            slot.Client = client;
            Interlocked.Increment(ref _connects);
            return client;
        }
        finally
        {
            slot.Connecting.Release();
        }
    }

    private async Task<SftpClient> OpenAsync(SftpEndpoint endpoint, CancellationToken cancellationToken)
    {
        var info = new ConnectionInfo(endpoint.Host, endpoint.Port, endpoint.Username, settings.Credentials.CreateMethods(endpoint.Username, _key.Value))
        {
            Timeout = settings.ConnectTimeout,
            RetryAttempts = 1,
        };
        var client = new SftpClient(info)
        {
            OperationTimeout = settings.OperationTimeout,
            KeepAliveInterval = settings.KeepAliveInterval,
        };
        string? rejectedKey = null;
        client.HostKeyReceived += (_, e) =>
        {
            e.CanTrust = settings.TrustsHostKey(e.FingerPrintSHA256);
            if (!e.CanTrust)
            {
                rejectedKey = e.FingerPrintSHA256;
            }
        };

        if (!settings.AcceptAnyHostKeyInsecure && settings.HostKeySha256.IsDefaultOrEmpty)
        {
            client.Dispose();
            throw new StoreAccessDeniedException(
                $"No host key is pinned for sftp://{endpoint}: set the server's SHA-256 fingerprint (ssh-keygen -lf <host key>.pub) " +
                "in host-key-sha256, or accept-any-host-key-insecure = on for a throwaway test server.");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.ConnectTimeout);
        try
        {
            await client.ConnectAsync(timeout.Token).ConfigureAwait(false);
            return client;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            client.Dispose();
            if (rejectedKey is not null)
            {
                throw new StoreAccessDeniedException(
                    $"sftp://{endpoint} presented host key SHA256:{rejectedKey}, which is not a pinned fingerprint; refusing to connect.", e);
            }

            throw e switch
            {
                SshAuthenticationException => new StoreAccessDeniedException($"sftp://{endpoint} rejected the credentials: {e.Message}", e),
                StoreAccessDeniedException denied => denied,
                OperationCanceledException when cancellationToken.IsCancellationRequested => e,
                OperationCanceledException or SshOperationTimeoutException or TimeoutException =>
                    new StoreUnavailableException($"Connecting to sftp://{endpoint} timed out after {settings.ConnectTimeout.TotalSeconds:0.#} s.", e),
                SocketException or SshException or IOException or ProxyException =>
                    new StoreUnavailableException($"Cannot connect to sftp://{endpoint}: {e.Message}", e),
                _ => new StoreUnavailableException($"Cannot connect to sftp://{endpoint}: {e.GetType().Name}: {e.Message}", e),
            };
        }
    }

    private static void DisposeQuietly(SftpClient client)
    {
        try
        {
            client.Dispose();
        }
        catch (Exception e) when (e is SshException or SocketException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // Closing a dead connection may fail; it is being thrown away either way.
        }
    }

    private sealed class Slot(SftpEndpoint endpoint)
    {
        public readonly SftpEndpoint Endpoint = endpoint;
        public readonly SemaphoreSlim Connecting = new(1, 1);
        public SftpClient? Client;
    }
}
