namespace LobbyEdge.Devices.Serial;

/// <summary>Opens UDP lines. NOT BUILT YET (issue 16 in progress): every open fails with <see cref="IOException"/>.</summary>
public sealed class UdpLineConnector : ISerialConnector
{
    /// <summary>The one instance.</summary>
    public static readonly UdpLineConnector Instance = new();

    /// <inheritdoc />
    public bool DeviceExists(string path) => LineConnector.Instance.DeviceExists(path);

    /// <inheritdoc />
    public ValueTask<SerialConnection> OpenAsync(SerialLineSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        throw new IOException($"{settings.Path}: UDP lines are not built yet");
    }
}
