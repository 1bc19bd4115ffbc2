using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace LockActors.S3.Tests;

/// <summary>What the proxy does with traffic.</summary>
internal enum ProxyMode
{
    /// <summary>Relay both ways.</summary>
    Forward,

    /// <summary>Reset every connection, open or new: the server looks stopped (connection refused/reset).</summary>
    Refuse,

    /// <summary>Accept and swallow everything, answer nothing: the server looks hung or partitioned away.</summary>
    Blackhole,
}

/// <summary>
/// A TCP relay on 127.0.0.1 in front of the shared test server, so one test can "stop" the server for its own
/// clients without stopping it for the test classes running in parallel.
/// </summary>
internal sealed class LoopbackTcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Uri _upstream;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Socket, byte> _sockets = new();
    private volatile ProxyMode _mode = ProxyMode.Forward;

    public LoopbackTcpProxy(string upstreamUrl)
    {
        _upstream = new Uri(upstreamUrl);
        _listener.Start();
        _ = AcceptLoopAsync();
    }

    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public ProxyMode Mode
    {
        get => _mode;
        set
        {
            _mode = value;
            if (value == ProxyMode.Refuse)
            {
                foreach (var socket in _sockets.Keys)
                {
                    Reset(socket);
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        foreach (var socket in _sockets.Keys)
        {
            Reset(socket);
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = HandleAsync(client);
        }
    }

    private async Task HandleAsync(Socket client)
    {
        _sockets.TryAdd(client, 0);
        if (_mode == ProxyMode.Refuse)
        {
            Reset(client);
            return;
        }

        var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _sockets.TryAdd(upstream, 0);
        try
        {
            await upstream.ConnectAsync(_upstream.Host, _upstream.Port, _stop.Token);
            await Task.WhenAny(PumpAsync(client, upstream), PumpAsync(upstream, client));
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            Reset(client);
            Reset(upstream);
        }
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var n = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (n == 0)
                {
                    return;
                }

                if (_mode == ProxyMode.Forward)
                {
                    await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, _stop.Token);
                }
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private void Reset(Socket socket)
    {
        _sockets.TryRemove(socket, out _);
        try
        {
            socket.LingerState = new LingerOption(true, 0); // close with RST, like a dead server's kernel
            socket.Close();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }
}
