namespace LobbyEdge.Devices.Serial;

/// <summary>
/// Opens USB printers through the kernel's USB printer class driver (usblp): the character device
/// (<c>/dev/usb/lp0</c>, or a udev symlink to it) is written with the print data and read for the printer's replies,
/// so ESC/POS status requests (DLE EOT) and Automatic Status Back work as over a serial port.
/// </summary>
/// <remarks>
/// The device is a <see cref="CharacterDeviceStream"/>: opened non-blocking and driven with poll(2), so a silent
/// printer never pins a thread in read(2), cancellation and closing are honoured within
/// <see cref="CharacterDeviceStream.WaitSlice"/>, a write the printer does not take fails after
/// <see cref="SerialLineSettings.WriteTimeout"/>, and an unplugged printer (<c>POLLHUP</c>, <c>ENODEV</c>, <c>EIO</c>) is
/// an <see cref="IOException"/> that makes <see cref="SerialLink"/> close the line and reopen it with backoff. Serial
/// framing (baud, parity) does not apply. Opening does not block (usblp's open is immediate), so
/// <see cref="SerialLineSettings.OpenTimeout"/> is not needed. Anything that is a character device at the path is
/// opened the same way: a pty (socat) stands in for a printer in the tests.
/// </remarks>
public sealed class UsbPrinterConnector : ISerialConnector
{
    /// <summary>The one instance.</summary>
    public static readonly UsbPrinterConnector Instance = new();

    /// <inheritdoc />
    /// <remarks>usblp removes <c>/dev/usb/lpN</c> (and udev its symlink) when the printer is unplugged.</remarks>
    public bool DeviceExists(string path) => File.Exists(path);

    /// <inheritdoc />
    /// <exception cref="FileNotFoundException">No device at the path (unplugged, switched off, wrong path).</exception>
    /// <exception cref="UnauthorizedAccessException">The service user may not open it (not in group <c>lp</c>, or the systemd unit's device policy).</exception>
    /// <exception cref="IOException">Anything else, e.g. busy: usblp lets one program open a printer at a time.</exception>
    public ValueTask<SerialConnection> OpenAsync(SerialLineSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        cancellationToken.ThrowIfCancellationRequested();
        if (!File.Exists(settings.Path))
        {
            throw new FileNotFoundException($"USB printer {settings.Path} does not exist (unplugged or switched off?)", settings.Path);
        }

        CharacterDeviceStream stream = CharacterDeviceStream.Open(settings.Path, settings.WriteTimeout);
        return ValueTask.FromResult(new SerialConnection(stream, stream.Dispose));
    }
}
