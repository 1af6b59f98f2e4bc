using System.Net;
using System.Net.Sockets;

namespace LobbyEdge.Devices.Serial;

/// <summary>
/// Opens TCP lines (a network printer's raw port 9100, an Ethernet LED controller, a serial device server): resolves
/// <see cref="SerialLineSettings.Host"/> at every open, connects within <see cref="SerialLineSettings.OpenTimeout"/>
/// (trying each address in turn), turns off Nagle (a status request must not wait for more bytes) and turns on
/// keep-alive (<see cref="SerialLineSettings.KeepAlive"/> idle, the same between probes, dropped after 3 unanswered),
/// so a peer that vanished is noticed even while nothing is written.
/// </summary>
/// <remarks>
/// Opening fails with <see cref="IOException"/> (refused, unreachable, unknown host name) or
/// <see cref="TimeoutException"/> (no answer within the connect timeout); <see cref="SerialLink"/> then retries with
/// backoff and logs each different reason once. On an open line, the peer closing (a read of 0 bytes) or resetting
/// is an <see cref="IOException"/> that ends the session. A write cancelled by the session's write timeout aborts the
/// connection (RST), so closing never waits for a peer that takes nothing.
/// </remarks>
public sealed class TcpLineConnector : ISerialConnector
{
    /// <summary>Unanswered keep-alive probes after which the connection is dropped.</summary>
    public const int KeepAliveProbes = 3;

    /// <summary>The one instance.</summary>
    public static readonly TcpLineConnector Instance = new();

    /// <inheritdoc />
    public bool DeviceExists(string path) => LineConnector.Instance.DeviceExists(path);

    /// <inheritdoc />
    public async ValueTask<SerialConnection> OpenAsync(SerialLineSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        (string host, int port) = SocketLineStream.Peer(settings);
        long started = Environment.TickCount64;
        IPAddress[] addresses = await SocketLineStream.ResolveAsync(host, settings.OpenTimeout, cancellationToken).ConfigureAwait(false);
        Exception? last = null;
        foreach (IPAddress address in addresses)
        {
            TimeSpan left = settings.OpenTimeout - TimeSpan.FromMilliseconds(Environment.TickCount64 - started);
            if (left <= TimeSpan.Zero)
            {
                break;
            }

            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(left);
                await socket.ConnectAsync(new IPEndPoint(address, port), timeout.Token).ConfigureAwait(false);
                Configure(socket, settings);
                var stream = new TcpLineStream(socket, settings.Path);
                return new SerialConnection(stream, stream.Dispose);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                socket.Dispose();
                last = new TimeoutException($"{address}:{port} did not answer within {settings.OpenTimeout.TotalSeconds:0.#} s (switched off, unplugged or filtered?)");
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => new IOException($"{address}:{port} refused the connection (nothing listens on that port)", e),
                    SocketError.HostUnreachable or SocketError.HostDown => new IOException($"{address} is unreachable (switched off or not on this network?)", e),
                    SocketError.NetworkUnreachable or SocketError.NetworkDown => new IOException($"no route to {address} (network down?)", e),
                    SocketError.TimedOut => new TimeoutException($"{address}:{port} did not answer (switched off, unplugged or filtered?)"),
                    _ => new IOException($"{address}:{port}: {e.Message}", e),
                };
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw last ?? new TimeoutException($"{host}:{port} did not answer within {settings.OpenTimeout.TotalSeconds:0.#} s");
    }

    private static void Configure(Socket socket, SerialLineSettings settings)
    {
        socket.NoDelay = true;
        int seconds = (int)Math.Clamp(settings.KeepAlive.TotalSeconds, 1, int.MaxValue);
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, seconds);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, seconds);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, KeepAliveProbes);
        if (OperatingSystem.IsLinux())
        {
            // TCP_USER_TIMEOUT: bytes written and never acknowledged (keep-alive does not probe while data is in
            // flight) drop the connection after the same time keep-alive takes, not after Linux's ~15 min of retries.
            const int TcpUserTimeout = 18;
            socket.SetRawSocketOption((int)SocketOptionLevel.Tcp, TcpUserTimeout, BitConverter.GetBytes((uint)Math.Min(seconds * (KeepAliveProbes + 1) * 1000L, uint.MaxValue)));
        }
    }

    /// <summary>A connected TCP socket as a line: reads end the session when the peer hangs up.</summary>
    private sealed class TcpLineStream(Socket socket, string path) : SocketLineStream(socket, path)
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (buffer.IsEmpty)
            {
                return 0;
            }

            int n = await ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
            return n > 0 ? n : throw new IOException($"{Path}: the peer closed the connection");
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            SendAsync(buffer, cancellationToken);

        public override void Flush()
        {
            // Every write is sent as it comes (Nagle off).
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
