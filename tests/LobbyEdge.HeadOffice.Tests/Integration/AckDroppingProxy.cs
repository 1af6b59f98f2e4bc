using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace LobbyEdge.HeadOffice.Tests;

/// <summary>
/// A TCP proxy in front of the real broker that reads the MQTT packets going both ways, as a network that loses an
/// acknowledgement would behave: told to, it notes the packet id of the next PUBLISH the broker sends on a given
/// topic, drops the client's PUBACK for that packet id and cuts the connection on both sides. The broker then
/// keeps the message as unacknowledged in the client's (persistent) session and sends it again, with DUP set,
/// when the client reconnects.
/// </summary>
internal sealed class AckDroppingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly int _brokerPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly List<Socket> _sockets = [];
    private readonly Lock _gate = new();
    private string? _dropTopic;
    private string? _watchTopic;
    private TaskCompletionSource<ushort> _cut = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _open = true;
    private volatile bool _closeAfterCut;
    private int _connections;
    private int _redeliveries;

    public AckDroppingProxy(int brokerPort)
    {
        _brokerPort = brokerPort;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>Connections passed through to the broker so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>PUBLISH packets on the watched topic the broker sent with the DUP flag (redeliveries).</summary>
    public int Redeliveries => Volatile.Read(ref _redeliveries);

    /// <summary>Completes with the packet id whose PUBACK was dropped, once the connection has been cut.</summary>
    public Task<ushort> Cut => _cut.Task;

    /// <summary>When false, new connections are closed at once (the branch cannot reach the broker).</summary>
    public bool Open
    {
        get => _open;
        set => _open = value;
    }

    /// <summary>
    /// Drops the client's first PUBACK for the next message the broker delivers on <paramref name="topic"/> and cuts
    /// the connection. With <paramref name="closeAfterCut"/>, the proxy then refuses connections until
    /// <see cref="Open"/> is set again.
    /// </summary>
    public void DropFirstAckFor(string topic, bool closeAfterCut = false)
    {
        lock (_gate)
        {
            _dropTopic = topic;
            _watchTopic = topic;
            _closeAfterCut = closeAfterCut;
            _cut = new TaskCompletionSource<ushort>(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        lock (_gate)
        {
            foreach (Socket s in _sockets)
            {
                s.Dispose();
            }
        }

        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            if (!_open)
            {
                client.Dispose();
                continue;
            }

            _ = Task.Run(() => RelayAsync(client));
        }
    }

    private async Task RelayAsync(Socket client)
    {
        var broker = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        lock (_gate)
        {
            _sockets.Add(client);
            _sockets.Add(broker);
        }

        try
        {
            await broker.ConnectAsync(IPAddress.Loopback, _brokerPort, _stop.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException)
        {
            client.Dispose();
            broker.Dispose();
            return;
        }

        Interlocked.Increment(ref _connections);
        var watched = new HashSet<ushort>();
        using var done = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        Task down = PumpAsync(broker, client, done.Token, packet =>
        {
            // Broker -> client: note the packet ids of PUBLISH packets on the watched topic.
            if (packet[0] >> 4 == 3 && ((packet[0] >> 1) & 3) > 0 && PublishTopic(packet, out string topic, out ushort id))
            {
                lock (_gate)
                {
                    if (topic == _dropTopic)
                    {
                        watched.Add(id);
                    }

                    if (topic == _watchTopic && (packet[0] & 0x08) != 0)
                    {
                        Interlocked.Increment(ref _redeliveries);
                    }
                }
            }

            return true;
        });
        Task up = PumpAsync(client, broker, done.Token, packet =>
        {
            // Client -> broker: the PUBACK (type 4) for a watched packet id is lost, and the line goes dead.
            if (packet[0] >> 4 != 4 || packet.Length < 4)
            {
                return true;
            }

            ushort id = BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(HeaderLength(packet)));
            lock (_gate)
            {
                if (_dropTopic is null || !watched.Contains(id))
                {
                    return true;
                }

                _dropTopic = null;
                if (_closeAfterCut)
                {
                    _open = false;
                }
            }

            // FIN to the broker after everything forwarded so far (the reply the branch sent before this PUBACK),
            // then close the branch's side: both see the connection end.
            broker.Shutdown(SocketShutdown.Send);
            client.Dispose();
            _cut.TrySetResult(id);
            return false;
        });
        await Task.WhenAny(down, up);
        await Task.Delay(200);
        await done.CancelAsync();
        client.Dispose();
        broker.Dispose();
        await Task.WhenAll(down, up).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Copies whole MQTT packets from one socket to the other while <paramref name="forward"/> says so.</summary>
    private static async Task PumpAsync(Socket from, Socket to, CancellationToken token, Func<byte[], bool> forward)
    {
        using var input = new NetworkStream(from, ownsSocket: false);
        using var output = new NetworkStream(to, ownsSocket: false);
        byte[] header = new byte[5];
        try
        {
            while (true)
            {
                await input.ReadExactlyAsync(header.AsMemory(0, 1), token);
                int length = 0;
                int shift = 0;
                int n = 1;
                byte b;
                do
                {
                    await input.ReadExactlyAsync(header.AsMemory(n, 1), token);
                    b = header[n++];
                    length |= (b & 0x7F) << shift;
                    shift += 7;
                }
                while ((b & 0x80) != 0 && n < 5);

                byte[] packet = new byte[n + length];
                header.AsSpan(0, n).CopyTo(packet);
                await input.ReadExactlyAsync(packet.AsMemory(n), token);
                if (!forward(packet))
                {
                    return;
                }

                await output.WriteAsync(packet, token);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or EndOfStreamException)
        {
            // One side closed: the relay ends.
        }
    }

    /// <summary>Length of the fixed header: the type byte and the variable-length "remaining length".</summary>
    private static int HeaderLength(byte[] packet)
    {
        int n = 1;
        while ((packet[n] & 0x80) != 0)
        {
            n++;
        }

        return n + 1;
    }

    private static bool PublishTopic(byte[] packet, out string topic, out ushort id)
    {
        int at = HeaderLength(packet);
        int length = BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(at));
        topic = Encoding.UTF8.GetString(packet, at + 2, length);
        id = BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(at + 2 + length));
        return true;
    }
}
