namespace LobbyEdge.Devices.Serial;

/// <summary>Opens USB printers (usblp character devices). NOT BUILT YET (issue 16 in progress): every open fails with <see cref="IOException"/>.</summary>
public sealed class UsbPrinterConnector : ISerialConnector
{
    /// <summary>The one instance.</summary>
    public static readonly UsbPrinterConnector Instance = new();

    /// <inheritdoc />
    public bool DeviceExists(string path) => LineConnector.Instance.DeviceExists(path);

    /// <inheritdoc />
    public ValueTask<SerialConnection> OpenAsync(SerialLineSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        throw new IOException($"{settings.Path}: USB printers (usblp character devices) are not built yet");
    }
}
