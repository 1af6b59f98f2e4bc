using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using LobbyEdge.Devices.Displays;
using LobbyEdge.Devices.Serial;
using LobbyEdge.Simulator.Devices;

namespace LobbyEdge.TestSupport;

/// <summary>
/// An Ethernet LED controller on loopback: a UDP socket that keeps every datagram it receives and decodes each one,
/// byte for byte, with the models of the displays behind it. A datagram that is exactly one valid frame goes on to a
/// <see cref="VirtualDisplayBus"/> (what each display shows); any other datagram is counted as
/// <see cref="Malformed"/> (a frame cut in two datagrams, two frames in one, a bad checksum). Empty datagrams are the
/// host's refusal probes (<see cref="UdpLineConnector"/>) and are counted apart. <see cref="StopAsync"/> closes the
/// port (the host's next datagram is refused by ICMP), <see cref="StartAsync"/> opens the same port again.
/// </summary>
public sealed class UdpDisplayListener : IAsyncDisposable
{
    private readonly Lock _sync = new();
    private readonly Dictionary<int, DisplayModel> _models;
    private readonly List<byte[]> _datagrams = [];
    private readonly List<DecodedDisplayFrame> _frames = [];
    private readonly Pipe _toDisplays = new();
    private readonly Task _displaying;
    private Socket? _socket;
    private CancellationTokenSource? _stop;
    private Task? _receiving;
    private int _malformed;
    private int _probes;

    /// <summary>Creates the listener for the displays (by address) on <paramref name="port"/> (0: a free one).</summary>
    public UdpDisplayListener(IReadOnlyDictionary<int, DisplayModel> modelsByAddress, int port = 0)
    {
        _models = new Dictionary<int, DisplayModel>(modelsByAddress);
        Displays = new VirtualDisplayBus(_models);
        _displaying = Displays.RunAsync(_toDisplays.Reader.AsStream(), CancellationToken.None);
        Port = port;
    }

    /// <summary>The loopback address listened on.</summary>
    public static string Host => "127.0.0.1";

    /// <summary>The port (kept across stop and start).</summary>
    public int Port { get; private set; }

    /// <summary>The line's key, as the host names it.</summary>
    public string Path => SerialLineSettings.NetworkPath(LineTransport.Udp, Host, Port);

    /// <summary>Settings for a host line to this controller (defaults but for the peer).</summary>
    public SerialLineSettings Settings => new() { Path = Path, Transport = LineTransport.Udp, Host = Host, Port = Port };

    /// <summary>The profile's <c>udp:</c> value for this controller.</summary>
    public string ProfileValue => $"{{host: {Host}, port: {Port}}}";

    /// <summary>What the displays show, from the well-formed datagrams.</summary>
    public VirtualDisplayBus Displays { get; }

    /// <summary>Every non-empty datagram received, as received.</summary>
    public IReadOnlyList<byte[]> Datagrams
    {
        get
        {
            lock (_sync)
            {
                return [.. _datagrams];
            }
        }
    }

    /// <summary>The frames decoded, one per well-formed datagram.</summary>
    public IReadOnlyList<DecodedDisplayFrame> Frames
    {
        get
        {
            lock (_sync)
            {
                return [.. _frames];
            }
        }
    }

    /// <summary>Datagrams that were not exactly one valid frame.</summary>
    public int Malformed => Volatile.Read(ref _malformed);

    /// <summary>Empty datagrams (the host checking whether the port still refuses).</summary>
    public int Probes => Volatile.Read(ref _probes);

    /// <summary>Whether the port is open.</summary>
    public bool IsListening => _socket is not null;

    /// <summary>Starts a listener for <paramref name="modelsByAddress"/> on a free loopback port.</summary>
    public static async Task<UdpDisplayListener> ListenAsync(IReadOnlyDictionary<int, DisplayModel> modelsByAddress)
    {
        var listener = new UdpDisplayListener(modelsByAddress);
        await listener.StartAsync();
        return listener;
    }

    /// <summary>Opens the port (again).</summary>
    public Task StartAsync()
    {
        if (_socket is not null)
        {
            return Task.CompletedTask;
        }

        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, Port));
        Port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        _socket = socket;
        _stop = new CancellationTokenSource();
        _receiving = ReceiveAsync(socket, _stop.Token);
        return Task.CompletedTask;
    }

    /// <summary>Closes the port: what the host sends next is refused (ICMP port unreachable).</summary>
    public async Task StopAsync()
    {
        if (_socket is not { } socket)
        {
            return;
        }

        _socket = null;
        await _stop!.CancelAsync();
        socket.Dispose();
        if (_receiving is not null)
        {
            await _receiving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _stop.Dispose();
        _stop = null;
    }

    /// <summary>Waits until at least <paramref name="count"/> datagrams came, at most <see cref="Eventually.DefaultPatience"/>.</summary>
    public Task WaitForDatagramsAsync(int count, string what) =>
        Eventually.UntilAsync(() => Datagrams.Count >= count, what, detail: () => $"{Datagrams.Count} datagrams, {Malformed} malformed");

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _toDisplays.Writer.CompleteAsync();
        await _displaying.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task ReceiveAsync(Socket socket, CancellationToken stop)
    {
        byte[] buffer = new byte[UdpLineConnector.MaxDatagram];
        while (!stop.IsCancellationRequested)
        {
            int n;
            try
            {
                n = await socket.ReceiveAsync(buffer, SocketFlags.None, stop);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            if (n == 0)
            {
                Interlocked.Increment(ref _probes);
                continue;
            }

            byte[] datagram = buffer[..n];
            DecodedDisplayFrame? frame = Decode(datagram);
            lock (_sync)
            {
                _datagrams.Add(datagram);
                if (frame is not null)
                {
                    _frames.Add(frame);
                }
            }

            if (frame is null)
            {
                Interlocked.Increment(ref _malformed);
                continue;
            }

            await _toDisplays.Writer.WriteAsync(datagram, CancellationToken.None);
        }
    }

    /// <summary>The one frame <paramref name="datagram"/> is, to its last byte, by the model of the address it names; null otherwise.</summary>
    private DecodedDisplayFrame? Decode(byte[] datagram)
    {
        foreach (DisplayModel model in _models.Values.Distinct())
        {
            if (model.TryDecode(datagram, out DecodedDisplayFrame? frame) && frame is not null && frame.Length == datagram.Length
                && _models.GetValueOrDefault(frame.Address) == model)
            {
                return frame;
            }
        }

        return null;
    }
}
