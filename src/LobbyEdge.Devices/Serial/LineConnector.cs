namespace LobbyEdge.Devices.Serial;

/// <summary>
/// The machine's connector for every transport: serial ports through <see cref="SerialPortConnector"/>, USB printers
/// through <see cref="UsbPrinterConnector"/>, TCP through <see cref="TcpLineConnector"/>, UDP through
/// <see cref="UdpLineConnector"/>, chosen by <see cref="SerialLineSettings.Transport"/>.
/// </summary>
public sealed class LineConnector : ISerialConnector
{
    /// <summary>The one instance.</summary>
    public static readonly LineConnector Instance = new();

    /// <inheritdoc />
    /// <remarks>A network line (<c>tcp://</c>, <c>udp://</c>) has no device file: it is always there, and a peer that
    /// is not is found by connecting or writing.</remarks>
    public bool DeviceExists(string path) => SerialLineSettings.IsNetworkPath(path) || File.Exists(path);

    /// <inheritdoc />
    public ValueTask<SerialConnection> OpenAsync(SerialLineSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.Transport switch
        {
            LineTransport.Serial => SerialPortConnector.Instance.OpenAsync(settings, cancellationToken),
            LineTransport.UsbPrinter => UsbPrinterConnector.Instance.OpenAsync(settings, cancellationToken),
            LineTransport.Tcp => TcpLineConnector.Instance.OpenAsync(settings, cancellationToken),
            LineTransport.Udp => UdpLineConnector.Instance.OpenAsync(settings, cancellationToken),
            _ => throw new ArgumentException($"unknown transport {settings.Transport}", nameof(settings)),
        };
    }
}
