using System.Threading.Channels;
using LobbyEdge.Devices;
using LobbyEdge.Devices.Dispenser;
using LobbyEdge.Devices.Displays;
using LobbyEdge.Devices.Keypad;
using LobbyEdge.Devices.Printer;
using LobbyEdge.Devices.Serial;
using LobbyEdge.Engine;
using LobbyEdge.Profiles;
using LobbyEdge.Service.Monitoring;
using Microsoft.Extensions.Logging;

namespace LobbyEdge.Service.Devices;

/// <summary>
/// The branch's devices, built from its hardware profile: a serial link (owner task) per line with its protocol,
/// the dispensers. Under <c>--simulate</c> the lines open through the simulation's connector (virtual devices at the
/// far end of every line) instead of the machine's serial ports.
/// Also the <see cref="IDeviceObserver"/> that queues status changes for the engine.
/// </summary>
public sealed partial class LobbyDevices : IDeviceObserver, IAsyncDisposable
{
    private readonly ILogger _logger;
    private readonly Channel<DeviceStatusChange> _statuses = Channel.CreateBounded<DeviceStatusChange>(new BoundedChannelOptions(1024)
    {
        FullMode = BoundedChannelFullMode.DropOldest,
        SingleReader = true,
    });

    private readonly List<SerialLink> _links = [];
    private readonly Dictionary<int, (LedDisplayBus Bus, DisplaySetup Setup)> _displays = [];
    private readonly Dictionary<string, EscPosPrinter> _printers = new(StringComparer.Ordinal);

    /// <summary>Builds every device of <paramref name="hardware"/>; starts nothing.</summary>
    /// <param name="branch">The branch.</param>
    /// <param name="hardware">Its devices, from the profile.</param>
    /// <param name="commands">Where key presses and dispensers post their commands.</param>
    /// <param name="connector">
    /// Opens the lines: <see cref="LineConnector.Instance"/> for the machine's serial ports, USB printers and network lines, or the simulation's
    /// virtual devices under <c>--simulate</c>.
    /// </param>
    /// <param name="time">The clock.</param>
    /// <param name="loggers">Loggers.</param>
    /// <param name="metrics">The metrics registry to feed the <c>lobby_device_*</c> and <c>lobby_printer_paper</c> families of, if any.</param>
    public LobbyDevices(BranchConfig branch, BranchHardware hardware, IDeviceCommands commands, ISerialConnector connector, TimeProvider time, ILoggerFactory loggers,
        LobbyMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(branch);
        ArgumentNullException.ThrowIfNull(hardware);
        ArgumentNullException.ThrowIfNull(loggers);
        _logger = loggers.CreateLogger<LobbyDevices>();

        // The machine's serial ports mean a real board (I2C, SPI, GPIO) beside them; any other connector (the
        // simulation's virtual devices, a test's hub) means there is none to drive.
        OnBoard = connector is LineConnector or SerialPortConnector;
        Branch = branch;
        Hardware = hardware;
        ILogger linkLogger = loggers.CreateLogger<SerialLink>();

        foreach (KeypadLineSetup line in hardware.KeypadLines)
        {
            var bus = new KeypadBus(line.Line, line.Keypads, line.Bus, this, time, loggers.CreateLogger<KeypadBus>());
            KeypadBuses.Add(bus);
            _links.Add(new SerialLink(line.Line, line.Serial, connector, bus, this, time, linkLogger));
        }

        foreach (PrinterSetup p in hardware.Printers)
        {
            var printer = new EscPosPrinter(p.Device, p.Settings, this, time, loggers.CreateLogger<EscPosPrinter>());
            _printers[p.Device.Id] = printer;
            _links.Add(new SerialLink(p.Device, p.Serial, connector, printer, this, time, linkLogger));
        }

        foreach (DisplayLineSetup line in hardware.DisplayLines)
        {
            var bus = new LedDisplayBus(line.Line, [.. line.Displays.Select(d => new DisplayAssignment(d.Device, d.Address, d.Model))], this, time, loggers.CreateLogger<LedDisplayBus>());
            foreach (DisplaySetup d in line.Displays)
            {
                _displays[d.Device.Index] = (bus, d);
            }

            _links.Add(new SerialLink(line.Line, line.Serial, connector, bus, this, time, linkLogger));
        }

        foreach (DispenserSetup d in hardware.Dispensers)
        {
            EscPosPrinter? printer = d.Printer is { } id ? _printers[id] : null;
            Dispensers.Add(new TicketDispenser(d.Device, branch, d.Buttons, printer, commands, face: null, loggers.CreateLogger<TicketDispenser>()));
        }

        AddBoardDevices(hardware, time);
        Metrics = metrics is null ? null : new DeviceMetrics(metrics, hardware, _links.Select(l => l.Device));
    }

    /// <summary>The branch.</summary>
    public BranchConfig Branch { get; }

    /// <summary>The device metrics fed from here, or null without a metrics registry.</summary>
    public DeviceMetrics? Metrics { get; }

    /// <summary>The hardware profile the devices were built from.</summary>
    public BranchHardware Hardware { get; }

    /// <summary>
    /// Whether the devices run on the branch box itself (lines over <see cref="LineConnector"/>), so the board
    /// devices (LCDs, MAX7219 displays, buzzers) are driven; false under <c>--simulate</c> and over a test's hub.
    /// </summary>
    public bool OnBoard { get; }

    /// <summary>The keypad bus masters.</summary>
    public List<KeypadBus> KeypadBuses { get; } = [];

    /// <summary>The dispensers.</summary>
    public List<TicketDispenser> Dispensers { get; } = [];

    /// <summary>The serial links (one owner task each).</summary>
    public IReadOnlyList<SerialLink> Links => _links;

    /// <summary>The displays by device index, with their line.</summary>
    public IReadOnlyDictionary<int, (LedDisplayBus Bus, DisplaySetup Setup)> Displays => _displays;

    /// <summary>A printer by device id.</summary>
    public EscPosPrinter? Printer(string id) => _printers.GetValueOrDefault(id);

    /// <summary>Status changes waiting to be recorded as engine events.</summary>
    public ChannelReader<DeviceStatusChange> StatusChanges => _statuses.Reader;

    /// <summary>Starts every line's owner task.</summary>
    public void Start()
    {
        foreach (SerialLink link in _links)
        {
            link.Start();
        }

        StartBoardDevices();
    }

    /// <inheritdoc />
    public void StatusChanged(DeviceStatusChange change)
    {
        Log.Status(_logger, change.Device.Id, change.Status, change.Reason);
        Metrics?.StatusChanged(change);
        _statuses.Writer.TryWrite(change);
    }

    /// <inheritdoc />
    public void InputRejected(DeviceInfo device, string reason)
    {
        // Counted per device and reason (lobby_device_frames_rejected_total), on a child made at start.
        Metrics?.InputRejected(device, reason);
        Log.Rejected(_logger, device.Id, reason);
    }

    /// <inheritdoc />
    public void Reconnected(DeviceInfo device) => Metrics?.Reconnected(device);

    /// <inheritdoc />
    public void PaperChanged(DeviceInfo printer, PaperLevel level)
    {
        Log.Paper(_logger, printer.Id, level);
        Metrics?.PaperChanged(printer, level);
    }

    /// <summary>Stops every line (a stuck port is abandoned after its close timeout, never waited for).</summary>
    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_links.Select(l => l.DisposeAsync().AsTask())).ConfigureAwait(false);
        await DisposeBoardDevicesAsync().ConfigureAwait(false);
        _statuses.Writer.TryComplete();
    }

    private static partial class Log
    {
        [LoggerMessage(451, LogLevel.Information, "Device {Device}: {Status} ({Reason})")]
        public static partial void Status(ILogger logger, string device, DeviceStatus status, string reason);

        [LoggerMessage(452, LogLevel.Debug, "Device {Device}: input rejected ({Reason})")]
        public static partial void Rejected(ILogger logger, string device, string reason);

        [LoggerMessage(453, LogLevel.Information, "Printer {Device}: paper {Paper}")]
        public static partial void Paper(ILogger logger, string device, PaperLevel paper);
    }
}
