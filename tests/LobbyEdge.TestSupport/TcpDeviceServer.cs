using System.Net;
using System.Net.Sockets;
using LobbyEdge.Devices.Serial;
using LobbyEdge.Simulator.Devices;

namespace LobbyEdge.TestSupport;

/// <summary>
/// A network device on loopback: a TCP listener that serves a virtual device (the simulator's twins speak the real
/// protocols over any stream) on every connection it accepts, the newest connection winning (a real device serves
/// one host). <see cref="StopAsync"/> kills the listener and resets every connection, as pulling the device's
/// Ethernet cable or power and the host's next connect attempt being refused; <see cref="StartAsync"/> listens again on
/// the same port.
/// </summary>
public class TcpDeviceServer : IAsyncDisposable
{
    private readonly Lock _sync = new();
    private readonly IVirtualDevice _device;
    private TcpListener? _listener;
    private CancellationTokenSource? _stop;
    private Task? _accepting;
    private Connection? _current;
    private int _accepted;

    /// <summary>Creates the server for <paramref name="device"/> on <paramref name="port"/> (0: a free one, chosen at the first start).</summary>
    public TcpDeviceServer(IVirtualDevice device, int port = 0)
    {
        ArgumentNullException.ThrowIfNull(device);
        _device = device;
        Port = port;
    }

    /// <summary>The device served.</summary>
    public IVirtualDevice Device => _device;

    /// <summary>The loopback address listened on.</summary>
    public static string Host => "127.0.0.1";

    /// <summary>The port listened on (kept across stop and start); 0 before the first start.</summary>
    public int Port { get; private set; }

    /// <summary>The line's key, as the host names it.</summary>
    public string Path => SerialLineSettings.NetworkPath(LineTransport.Tcp, Host, Port);

    /// <summary>Settings for a host line to this device (defaults but for the peer).</summary>
    public SerialLineSettings Settings => new() { Path = Path, Transport = LineTransport.Tcp, Host = Host, Port = Port };

    /// <summary>The profile's <c>tcp:</c> value for this device.</summary>
    public string ProfileValue => $"{{host: {Host}, port: {Port}}}";

    /// <summary>Connections accepted so far.</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>Whether a host is connected now.</summary>
    public bool HasConnection
    {
        get
        {
            lock (_sync)
            {
                return _current is not null;
            }
        }
    }

    /// <summary>Whether the listener is up.</summary>
    public bool IsListening => _listener is not null;

    /// <summary>Starts a server for <paramref name="device"/> on a free loopback port.</summary>
    public static async Task<TcpDeviceServer> ListenAsync(IVirtualDevice device)
    {
        var server = new TcpDeviceServer(device);
        await server.StartAsync();
        return server;
    }

    /// <summary>Listens (again) on <see cref="Port"/>, or on a free port the first time.</summary>
    public Task StartAsync()
    {
        if (_listener is not null)
        {
            return Task.CompletedTask;
        }

        var listener = new TcpListener(IPAddress.Loopback, Port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _listener = listener;
        _stop = new CancellationTokenSource();
        _accepting = AcceptAsync(listener, _stop.Token);
        return Task.CompletedTask;
    }

    /// <summary>Kills the listener and resets every connection (the host sees a reset, then refused connects).</summary>
    public async Task StopAsync()
    {
        if (_listener is not { } listener)
        {
            return;
        }

        _listener = null;
        await _stop!.CancelAsync();
        listener.Stop();
        if (_accepting is not null)
        {
            await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await ReplaceConnectionAsync(null);

        _stop.Dispose();
        _stop = null;
    }

    /// <summary>Writes raw bytes to the connected host (noise, a device babbling); false when nobody is connected.</summary>
    public async Task<bool> SendRawAsync(byte[] bytes)
    {
        Connection? current;
        lock (_sync)
        {
            current = _current;
        }

        if (current is null)
        {
            return false;
        }

        try
        {
            await current.Stream.WriteAsync(bytes);
            return true;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            return false;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        GC.SuppressFinalize(this);
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptSocketAsync(stop);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref _accepted);
            var connection = new Connection(socket, _device, stop);
            await ReplaceConnectionAsync(connection);

            _ = connection.Serving.ContinueWith(_ =>
            {
                lock (_sync)
                {
                    if (_current == connection)
                    {
                        _current = null;
                    }
                }
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    /// <summary>Makes <paramref name="next"/> the connection served and resets the one before it (a device serves one host).</summary>
    private async Task ReplaceConnectionAsync(Connection? next)
    {
        Connection? previous;
        lock (_sync)
        {
            previous = _current;
            _current = next;
        }

        if (previous is not null)
        {
            await previous.ResetAsync();
        }
    }

    /// <summary>One accepted connection, served until it ends or is reset.</summary>
    private sealed class Connection
    {
        private readonly Socket _socket;
        private readonly CancellationTokenSource _end;

        public Connection(Socket socket, IVirtualDevice device, CancellationToken stop)
        {
            _socket = socket;
            Stream = new NetworkStream(socket, ownsSocket: true);
            _end = CancellationTokenSource.CreateLinkedTokenSource(stop);
            Serving = Task.Run(async () =>
            {
                try
                {
                    await device.RunAsync(Stream, _end.Token);
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or SocketException or InvalidOperationException)
                {
                    // The host went away or the server is stopping.
                }
                finally
                {
                    Stream.Dispose();
                }
            }, CancellationToken.None);
        }

        public NetworkStream Stream { get; }

        public Task Serving { get; }

        /// <summary>Ends the connection with a reset (no goodbye), as a device losing power mid-session does.</summary>
        public async Task ResetAsync()
        {
            try
            {
                _socket.LingerState = new LingerOption(true, 0);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // Already closed.
            }

            _socket.Dispose();
            await _end.CancelAsync();
            await Serving.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _end.Dispose();
        }
    }
}

/// <summary>
/// A network receipt printer on loopback (raw port 9100 style): the simulator's <see cref="VirtualPrinter"/> (ESC/POS,
/// status replies, Automatic Status Back) served over TCP. It can go silent (accepts and reads, answers and prints
/// nothing), run out of paper, and be stopped and restarted on the same port.
/// </summary>
public sealed class TcpPrinterEmulator : TcpDeviceServer
{
    private TcpPrinterEmulator(VirtualPrinter printer)
        : base(printer)
    {
        Printer = printer;
    }

    /// <summary>The printer behind the port: its tickets, paper and faults.</summary>
    public VirtualPrinter Printer { get; }

    /// <summary>Whether the printer answers nothing (the connection stays up: a hung printer, not a pulled one).</summary>
    public bool Silent
    {
        get => !Printer.Answer;
        set => Printer.Answer = !value;
    }

    /// <summary>Out of paper (sent at once by Automatic Status Back when the host enabled it).</summary>
    public bool PaperOut
    {
        get => Printer.PaperOut;
        set => Printer.PaperOut = value;
    }

    /// <summary>Starts an emulator with paper, answering, on a free loopback port.</summary>
    public static async Task<TcpPrinterEmulator> ListenAsync()
    {
        var emulator = new TcpPrinterEmulator(new VirtualPrinter());
        await emulator.StartAsync();
        return emulator;
    }
}

/// <summary>
/// A line over TCP to a virtual device on loopback, for the contract suites: unplugging stops the listener and
/// resets the connection, plugging back in listens again on the same port.
/// </summary>
public sealed class TcpRig : SerialRig
{
    private readonly int _port = ServiceProcess.FreePort();
    private TcpDeviceServer? _server;

    /// <inheritdoc />
    public override string Name => "tcp loopback";

    /// <inheritdoc />
    public override ISerialConnector Connector => TcpLineConnector.Instance;

    /// <inheritdoc />
    public override string Path => SerialLineSettings.NetworkPath(LineTransport.Tcp, TcpDeviceServer.Host, _port);

    /// <inheritdoc />
    public override SerialLineSettings Settings => new() { Path = Path, Transport = LineTransport.Tcp, Host = TcpDeviceServer.Host, Port = _port };

    /// <inheritdoc />
    public override async Task AttachAsync(IVirtualDevice device)
    {
        _server = new TcpDeviceServer(device, _port);
        await _server.StartAsync();
    }

    /// <inheritdoc />
    public override Task UnplugAsync() => _server?.StopAsync() ?? Task.CompletedTask;

    /// <inheritdoc />
    public override Task PlugAsync() => _server?.StartAsync() ?? Task.CompletedTask;

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
