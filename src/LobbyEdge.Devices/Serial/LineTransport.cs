namespace LobbyEdge.Devices.Serial;

/// <summary>
/// How a device line reaches its device. Every transport carries the same byte stream to the same protocol (ESC/POS,
/// the caller keypad bus, display frames); only opening, presence and closing differ.
/// </summary>
public enum LineTransport : byte
{
    /// <summary>An RS-232/RS-485 serial port (a USB adapter's <c>/dev/serial/by-id/…</c> or <c>/dev/ttyS0</c>): profile key <c>port</c>.</summary>
    Serial,

    /// <summary>
    /// A printer of the USB printer class through the kernel's usblp driver (<c>/dev/usb/lp0</c>): a character device
    /// read and written like a serial line without line settings; profile key <c>usbPrinter</c>. Printers only.
    /// </summary>
    UsbPrinter,

    /// <summary>
    /// A TCP connection (a network printer's raw port 9100, an Ethernet LED controller, a serial device server):
    /// profile key <c>tcp: {host, port}</c>. A connection lost is a line lost: reconnected with backoff.
    /// </summary>
    Tcp,

    /// <summary>
    /// UDP datagrams, one per frame (an Ethernet LED controller): profile key <c>udp: {host, port}</c>. Displays only
    /// (nothing answers, so nothing can be asked).
    /// </summary>
    Udp,
}
