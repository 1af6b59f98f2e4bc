using LobbyEdge.Devices.Serial;
using LobbyEdge.Simulator.Devices;

namespace LobbyEdge.TestSupport;

/// <summary>
/// One serial line with a virtual device at its far end, over one of the two transports the service meets: the
/// in-process <see cref="VirtualSerialHub"/> (<c>--simulate</c>) or a real socat pty opened with System.IO.Ports
/// (<see cref="PtyRig"/>). The contract suites run the same tests over both.
/// </summary>
public abstract class SerialRig : IAsyncDisposable
{
    /// <summary>The transport's name, for test output ("virtual hub", "socat pty").</summary>
    public abstract string Name { get; }

    /// <summary>What the host opens the line with.</summary>
    public abstract ISerialConnector Connector { get; }

    /// <summary>The path the host opens.</summary>
    public abstract string Path { get; }

    /// <summary>The line's settings (defaults but for the path).</summary>
    public virtual SerialLineSettings Settings => new() { Path = Path };

    /// <summary>Puts <paramref name="device"/> at the far end; it serves every time the host opens the line.</summary>
    public abstract Task AttachAsync(IVirtualDevice device);

    /// <summary>The peer goes away (cable pulled): the device file disappears and an open line fails.</summary>
    public abstract Task UnplugAsync();

    /// <summary>The cable is plugged back in at the same path.</summary>
    public abstract Task PlugAsync();

    /// <inheritdoc />
    public abstract ValueTask DisposeAsync();

    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>The simulator's in-process lines: a pair of pipes per path.</summary>
public sealed class VirtualHubRig : SerialRig
{
    private readonly VirtualSerialHub _hub = new();

    /// <inheritdoc />
    public override string Name => "virtual hub";

    /// <inheritdoc />
    public override ISerialConnector Connector => _hub;

    /// <inheritdoc />
    public override string Path { get; } = $"/dev/virtual/line-{Guid.NewGuid():N}";

    /// <inheritdoc />
    public override Task AttachAsync(IVirtualDevice device)
    {
        _hub.Attach(Path, device);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override Task UnplugAsync()
    {
        _hub.Unplug(Path);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override Task PlugAsync()
    {
        _hub.Plug(Path);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override ValueTask DisposeAsync()
    {
        _hub.Unplug(Path);
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// A real pseudo-terminal pair made by socat: the host opens one end with <see cref="SerialPortConnector"/> (or, as
/// the usblp stand-in, with <see cref="UsbPrinterConnector"/>), the virtual device serves the other (reopened whenever
/// socat is restarted). Unplugging kills socat.
/// </summary>
public sealed class PtyRig : SerialRig
{
    private readonly string _dir = Directory.CreateTempSubdirectory("le-rig").FullName;
    private readonly CancellationTokenSource _stop = new();
    private readonly string _hostEnd;
    private SocatPty? _pty;
    private Task? _device;

    private PtyRig(string name, ISerialConnector connector, string hostEnd)
    {
        Name = name;
        Connector = connector;
        _hostEnd = hostEnd;
    }

    /// <inheritdoc />
    public override string Name { get; }

    /// <inheritdoc />
    public override ISerialConnector Connector { get; }

    /// <inheritdoc />
    public override string Path => System.IO.Path.Combine(_dir, _hostEnd);

    /// <summary>The device's end.</summary>
    public string DevicePath => System.IO.Path.Combine(_dir, "device");

    /// <summary>Starts socat (the device is attached with <see cref="AttachAsync"/>).</summary>
    public static Task<PtyRig> StartAsync() => StartAsync(new PtyRig("socat pty", SerialPortConnector.Instance, "host"));

    /// <summary>
    /// Starts the usblp stand-in: the host's end is linked as <c>&lt;dir&gt;/lp0</c> (as the kernel's
    /// <c>/dev/usb/lp0</c>) and opened through the product's <see cref="UsbPrinterConnector"/> (a non-blocking character
    /// device driven with poll(2)), exactly as a USB printer is; unplugging removes the node as usblp does.
    /// </summary>
    public static Task<PtyRig> StartUsbPrinterAsync() => StartAsync(new PtyRig("usblp stand-in (socat pty)", UsbPrinterConnector.Instance, "lp0"));

    private static async Task<PtyRig> StartAsync(PtyRig rig)
    {
        await rig.PlugAsync();
        return rig;
    }

    /// <inheritdoc />
    public override Task AttachAsync(IVirtualDevice device)
    {
        _device = DeviceEnd.KeepServingAsync(device, DevicePath, _stop.Token);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Kills socat and removes both links, as udev removes a pulled adapter's <c>/dev/serial/by-id</c> link: a
    /// killed socat leaves its links behind, and while the host holds its end open the pty node they point to stays.
    /// </remarks>
    public override Task UnplugAsync()
    {
        _pty?.Dispose();
        _pty = null;
        foreach (string link in new[] { Path, DevicePath })
        {
            File.Delete(link);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override async Task PlugAsync()
    {
        _pty?.Dispose();
        _pty = await SocatPty.StartAsync(Path, DevicePath, TimeSpan.FromSeconds(10));
    }

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _pty?.Dispose();
        if (_device is not null)
        {
            await _device.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _stop.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>The device's end of a pty: a virtual device served over System.IO.Ports, reopened whenever socat comes back.</summary>
public static class DeviceEnd
{
    /// <summary>Serves <paramref name="device"/> on <paramref name="path"/> until <paramref name="stop"/> fires, reopening after every loss.</summary>
    public static Task KeepServingAsync(IVirtualDevice device, string path, CancellationToken stop) => Task.Run(async () =>
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                SerialConnection c = await SerialPortConnector.Instance.OpenAsync(new SerialLineSettings { Path = path }, stop);
                try
                {
                    await device.RunAsync(c.Stream, stop);
                }
                finally
                {
                    _ = Task.Run(c.Close);
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or TimeoutException or UnauthorizedAccessException or InvalidOperationException)
            {
                // The pty went away; wait for it to come back.
            }

            await Task.Delay(100, CancellationToken.None);
        }
    }, CancellationToken.None);
}
