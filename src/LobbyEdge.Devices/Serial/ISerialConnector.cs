namespace LobbyEdge.Devices.Serial;

/// <summary>
/// Opens serial lines. The real one opens ports with System.IO.Ports; the simulator hands out in-process virtual
/// devices; tests may hand out anything that is a <see cref="Stream"/>.
/// </summary>
public interface ISerialConnector
{
    /// <summary>Whether the device file is there (a pulled USB adapter's <c>/dev/serial/by-id</c> link is not).</summary>
    public bool DeviceExists(string path);

    /// <summary>
    /// Opens a line. Throws <see cref="IOException"/>, <see cref="UnauthorizedAccessException"/> or
    /// <see cref="TimeoutException"/> when it cannot. The connection's <see cref="SerialConnection.Close"/> is
    /// called exactly once, off the caller's path.
    /// </summary>
    public ValueTask<SerialConnection> OpenAsync(SerialLineSettings settings, CancellationToken cancellationToken);
}

/// <summary>An open line: the byte stream and what must be closed with it.</summary>
public sealed class SerialConnection
{
    private readonly Action _close;
    private int _closed;

    /// <summary>Wraps an open stream and the action that closes it (and what it came from).</summary>
    public SerialConnection(Stream stream, Action close)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(close);
        Stream = stream;
        _close = close;
    }

    /// <summary>The line's bytes, both ways.</summary>
    public Stream Stream { get; }

    /// <summary>Closes the line, once. May block (see <see cref="SerialLink"/>, which calls it off the main path).</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            _close();
        }
    }
}
