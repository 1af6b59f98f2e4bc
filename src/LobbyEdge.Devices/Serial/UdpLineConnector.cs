using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace LobbyEdge.Devices.Serial;

/// <summary>
/// Opens UDP lines (an Ethernet LED controller): a UDP socket connected to <see cref="SerialLineSettings.Host"/>
/// (resolved at every open) and <see cref="SerialLineSettings.Port"/>, as a stream whose writes are buffered and
/// whose flush sends them as exactly ONE datagram (the display bus writes one frame per write, and the session's
/// pipe flushes once per write, however many segments the frame took). Reads return the datagrams received (the bus
/// reads and drops them).
/// </summary>
/// <remarks>
/// <para>UDP has no connection: opening fails only for a host name that does not resolve. A peer host that answers
/// "port unreachable" (ICMP; the controller is on but nothing listens on that port) makes the next send or receive
/// fail with connection refused: that ends the session (the displays go offline, the line is reopened with backoff).
/// After such a refusal the next open checks first, with one empty datagram, whether the port still refuses, and
/// fails if it does (logged once, backoff growing to its maximum) instead of coming up only to fail again.</para>
/// <para>A controller that is switched off or unplugged answers nothing at all: it is NOT noticed (UDP expects no
/// reply), and its displays stay online in the status while showing nothing. What it was sent last is sent again
/// when it changes or at the display bus's refresh interval, so a controller that comes back shows the right text
/// within a minute.</para>
/// </remarks>
public sealed class UdpLineConnector : ISerialConnector
{
    /// <summary>The largest datagram over IPv4 (65,535 less the IP and UDP headers).</summary>
    public const int MaxDatagram = 65_507;

    /// <summary>How long an open after a refusal waits for a second refusal of its empty probe datagram.</summary>
    public static readonly TimeSpan ProbeWait = TimeSpan.FromMilliseconds(300);

    /// <summary>The one instance.</summary>
    public static readonly UdpLineConnector Instance = new();

    /// <summary>Lines (by path) whose last session ended with their peer refusing.</summary>
    private readonly ConcurrentDictionary<string, byte> _refused = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public bool DeviceExists(string path) => LineConnector.Instance.DeviceExists(path);

    /// <inheritdoc />
    public async ValueTask<SerialConnection> OpenAsync(SerialLineSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        (string host, int port) = SocketLineStream.Peer(settings);
        IPAddress[] addresses = await SocketLineStream.ResolveAsync(host, settings.OpenTimeout, cancellationToken).ConfigureAwait(false);
        var socket = new Socket(addresses[0].AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            // Connected: the kernel sends to this peer only, takes datagrams from it only, and reports its refusals.
            await socket.ConnectAsync(new IPEndPoint(addresses[0], port), cancellationToken).ConfigureAwait(false);
            if (_refused.ContainsKey(settings.Path))
            {
                await ProbeAsync(socket, settings, addresses[0], cancellationToken).ConfigureAwait(false);
            }
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new IOException($"{addresses[0]}:{port}: {e.Message}", e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var stream = new UdpLineStream(socket, settings.Path, () => _refused[settings.Path] = 0);
        return new SerialConnection(stream, stream.Dispose);
    }

    /// <summary>Sends an empty datagram and fails if the port refuses it within <see cref="ProbeWait"/>.</summary>
    private async Task ProbeAsync(Socket socket, SerialLineSettings settings, IPAddress address, CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(ProbeWait < settings.OpenTimeout ? ProbeWait : settings.OpenTimeout);
        byte[] reply = new byte[MaxDatagram];
        try
        {
            await socket.SendAsync(ReadOnlyMemory<byte>.Empty, SocketFlags.None, wait.Token).ConfigureAwait(false);
            await socket.ReceiveAsync(reply, SocketFlags.None, wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // No refusal: something may listen again.
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            throw new IOException($"{address}:{settings.Port} refuses datagrams (ICMP port unreachable: nothing listens on that port)", e);
        }

        _refused.TryRemove(settings.Path, out _);
    }

    /// <summary>A connected UDP socket as a line: one datagram per flush.</summary>
    private sealed class UdpLineStream(Socket socket, string path, Action refused) : SocketLineStream(socket, path)
    {
        private readonly byte[] _received = new byte[MaxDatagram];
        private byte[] _pending = new byte[512];
        private int _pendingLength;
        private int _receivedOffset;
        private int _receivedLength;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            // Whole datagrams are received into a buffer of the largest size (a short buffer would cut them), then
            // handed out in as many reads as the caller's buffer needs.
            while (_receivedOffset == _receivedLength)
            {
                _receivedOffset = 0;
                _receivedLength = await ReceiveAsync(_received, cancellationToken).ConfigureAwait(false);
            }

            int n = Math.Min(buffer.Length, _receivedLength - _receivedOffset);
            _received.AsSpan(_receivedOffset, n).CopyTo(buffer.Span);
            _receivedOffset += n;
            return n;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            int total = _pendingLength + buffer.Length;
            if (total > MaxDatagram)
            {
                _pendingLength = 0;
                return ValueTask.FromException(new IOException($"{Path}: a frame of {total} bytes does not fit in one datagram (at most {MaxDatagram})"));
            }

            if (total > _pending.Length)
            {
                Array.Resize(ref _pending, Math.Min(MaxDatagram, Math.Max(_pending.Length * 2, total)));
            }

            buffer.Span.CopyTo(_pending.AsSpan(_pendingLength));
            _pendingLength += buffer.Length;
            return ValueTask.CompletedTask;
        }

        public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

        public override async Task FlushAsync(CancellationToken cancellationToken)
        {
            if (_pendingLength == 0)
            {
                return;
            }

            int length = _pendingLength;
            _pendingLength = 0;
            await SendAsync(_pending.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        }

        protected override IOException Lost(SocketException e)
        {
            if (e.SocketErrorCode == SocketError.ConnectionRefused)
            {
                refused();
                return new IOException($"{Path}: the peer refuses datagrams (ICMP port unreachable: nothing listens on that port)", e);
            }

            return base.Lost(e);
        }
    }
}
