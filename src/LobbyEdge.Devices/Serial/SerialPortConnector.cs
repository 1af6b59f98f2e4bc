using System.IO.Ports;

namespace LobbyEdge.Devices.Serial;

/// <summary>Opens real serial ports (and pseudo-terminals) with System.IO.Ports.</summary>
/// <remarks>
/// System.IO.Ports on Linux can block: <c>open</c> on a port in a bad state, and <c>Close()</c> after a write that
/// timed out (the kernel drains the output queue, up to its closing wait of 30 s, and a port held by flow control
/// never drains). Open runs on a pool thread with <see cref="SerialLineSettings.OpenTimeout"/>; a port that opens
/// after its caller gave up is closed at once. Closing is <see cref="SerialLink"/>'s job, off the main path.
/// </remarks>
public sealed class SerialPortConnector : ISerialConnector
{
    /// <summary>The one instance.</summary>
    public static readonly SerialPortConnector Instance = new();

    /// <inheritdoc />
    public bool DeviceExists(string path) => File.Exists(path);

    /// <inheritdoc />
    public async ValueTask<SerialConnection> OpenAsync(SerialLineSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!File.Exists(settings.Path))
        {
            throw new FileNotFoundException($"serial device {settings.Path} does not exist", settings.Path);
        }

        var port = new SerialPort(settings.Path, settings.BaudRate, settings.Parity, settings.DataBits, settings.StopBits)
        {
            Handshake = Handshake.None,

            // Write timeouts are always set: a blocked write would otherwise never return. The stream's async
            // writes ignore these, which is why SerialLink also cancels every write after the same time.
            WriteTimeout = (int)Math.Max(1, settings.WriteTimeout.TotalMilliseconds),
            ReadTimeout = SerialPort.InfiniteTimeout,
        };

        Task open = Task.Run(port.Open, CancellationToken.None);
        try
        {
            await open.WaitAsync(settings.OpenTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            // Whenever the open finally returns, close what it opened, on that thread, not ours.
            _ = open.ContinueWith(_ => port.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            if (e is TimeoutException)
            {
                throw new TimeoutException($"opening {settings.Path} took longer than {settings.OpenTimeout.TotalSeconds:0.#} s");
            }

            throw;
        }
        catch
        {
            port.Dispose();
            throw;
        }

        Stream stream = port.BaseStream;
        stream.WriteTimeout = port.WriteTimeout;
        return new SerialConnection(stream, () =>
        {
            // Drop what is still queued for output so close() has nothing to drain.
            try
            {
                port.DiscardOutBuffer();
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException)
            {
                // The device is gone; closing is all that is left.
            }

            port.Dispose();
        });
    }
}
