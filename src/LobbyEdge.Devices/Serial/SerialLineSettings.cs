using System.IO.Ports;

namespace LobbyEdge.Devices.Serial;

/// <summary>
/// How to open and keep a serial line: the port and its framing, and the timeouts that keep a stuck port from
/// hanging anything. Every timeout has a finite default; none can be infinite.
/// </summary>
public sealed record SerialLineSettings
{
    /// <summary>The device path, preferably stable: <c>/dev/serial/by-id/usb-FTDI_…-if00-port0</c>.</summary>
    public required string Path { get; init; }

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

    /// <summary>Longest an open may take (a port in a bad state can block in open for tens of seconds).</summary>
    public TimeSpan OpenTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest a close may take before the port is abandoned to a background thread.</summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>First wait before reopening a lost line; doubles up to <see cref="ReconnectMaxDelay"/>.</summary>
    public TimeSpan ReconnectMinDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Longest wait between two attempts to reopen a lost line.</summary>
    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How often an open line checks that its device file is still there (a USB adapter pulled out).</summary>
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
