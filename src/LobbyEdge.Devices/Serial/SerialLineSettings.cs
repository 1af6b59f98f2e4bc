using System.IO.Ports;

namespace LobbyEdge.Devices.Serial;

/// <summary>
/// How to open and keep a device line: its transport (a serial port, a USB printer, TCP or UDP), the serial framing,
/// and the timeouts that keep a stuck line from hanging anything. Every timeout has a finite default; none can be
/// infinite.
/// </summary>
public sealed record SerialLineSettings
{
    /// <summary>
    /// Where the line is, and the key lines are grouped and logged by: the device path for <see cref="LineTransport.Serial"/>
    /// (preferably stable: <c>/dev/serial/by-id/usb-FTDI_…-if00-port0</c>) and <see cref="LineTransport.UsbPrinter"/>
    /// (<c>/dev/usb/lp0</c>); <c>tcp://host:port</c> or <c>udp://host:port</c> (see <see cref="NetworkPath"/>) for the
    /// network transports.
    /// </summary>
    public required string Path { get; init; }

    /// <summary>How the line reaches its device.</summary>
    public LineTransport Transport { get; init; } = LineTransport.Serial;

    /// <summary>The peer's host name or IP address, for <see cref="LineTransport.Tcp"/> and <see cref="LineTransport.Udp"/>; null otherwise.</summary>
    public string? Host { get; init; }

    /// <summary>The peer's TCP or UDP port (1..65535), for the network transports; 0 otherwise.</summary>
    public int Port { get; init; }

    /// <summary>
    /// TCP keep-alive: idle time before the first probe, and the interval between probes (the connection is dropped
    /// after 3 unanswered probes), so a peer that vanished without a word (power cut, cable pulled) is noticed
    /// even while nothing is written.
    /// </summary>
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The <see cref="Path"/> of a network line: <c>tcp://host:port</c> or <c>udp://host:port</c> (IPv6 hosts in brackets).</summary>
    public static string NetworkPath(LineTransport transport, string host, int port)
    {
        ArgumentNullException.ThrowIfNull(host);
        string scheme = transport switch
        {
            LineTransport.Tcp => "tcp",
            LineTransport.Udp => "udp",
            _ => throw new ArgumentOutOfRangeException(nameof(transport), transport, "only tcp and udp lines have a network path"),
        };
        return host.Contains(':', StringComparison.Ordinal) ? $"{scheme}://[{host}]:{port}" : $"{scheme}://{host}:{port}";
    }

    /// <summary>Whether <paramref name="path"/> names a network line (<c>tcp://</c> or <c>udp://</c>), which has no device file.</summary>
    public static bool IsNetworkPath(string path) =>
        path is not null && (path.StartsWith("tcp://", StringComparison.Ordinal) || path.StartsWith("udp://", StringComparison.Ordinal));

    /// <summary>Bits per second.</summary>
    public int BaudRate { get; init; } = 9600;

    /// <summary>Parity.</summary>
    public Parity Parity { get; init; } = Parity.None;

    /// <summary>Data bits, 5..8.</summary>
    public int DataBits { get; init; } = 8;

    /// <summary>Stop bits.</summary>
    public StopBits StopBits { get; init; } = StopBits.One;

    /// <summary>Longest a write may take before the line is taken as stuck and reopened.</summary>
    public TimeSpan WriteTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Longest an open may take (a port in a bad state can block in open for tens of seconds); for TCP, the connect
    /// timeout.
    /// </summary>
    public TimeSpan OpenTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest a close may take before the port is abandoned to a background thread.</summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>First wait before reopening a lost line; doubles up to <see cref="ReconnectMaxDelay"/>.</summary>
    public TimeSpan ReconnectMinDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// How long a session must have lasted for its loss to start the backoff afresh: a line lost sooner (a peer that
    /// accepts and hangs up, a network printer's port held by another client) is reopened after the next, doubled,
    /// wait, as if it had not opened.
    /// </summary>
    public TimeSpan StableSessionTime { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest wait between two attempts to reopen a lost line.</summary>
    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How often an open line checks that its device file is still there (a USB adapter or printer pulled out);
    /// network lines have no file and are always present.
    /// </summary>
    public TimeSpan PresenceCheckInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Time one byte takes on the wire (start, data, parity and stop bits).</summary>
    public TimeSpan ByteTime
    {
        get
        {
            int bits = 1 + DataBits + (Parity == Parity.None ? 0 : 1) + (StopBits == StopBits.Two ? 2 : 1);
            return TimeSpan.FromTicks(Math.Max(1, TimeSpan.TicksPerSecond * bits / Math.Max(1, BaudRate)));
        }
    }
}
