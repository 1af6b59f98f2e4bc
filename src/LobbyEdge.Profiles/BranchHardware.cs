using LobbyEdge.Devices;
using LobbyEdge.Devices.Dispenser;
using LobbyEdge.Devices.Displays;
using LobbyEdge.Devices.Keypad;
using LobbyEdge.Devices.Printer;
using LobbyEdge.Devices.Serial;

namespace LobbyEdge.Profiles;

/// <summary>A serial line of caller keypads and rating pads.</summary>
/// <param name="Line">The line as a device.</param>
/// <param name="Serial">How to open it.</param>
/// <param name="Bus">Bus timing from the keypad model.</param>
/// <param name="Keypads">The keypads on it.</param>
public sealed record KeypadLineSetup(DeviceInfo Line, SerialLineSettings Serial, KeypadBusSettings Bus, IReadOnlyList<KeypadAssignment> Keypads);

/// <summary>A ticket printer on its own serial line.</summary>
/// <param name="Device">The printer.</param>
/// <param name="Serial">How to open its line.</param>
/// <param name="Settings">Polling and layout settings from its model.</param>
public sealed record PrinterSetup(DeviceInfo Device, SerialLineSettings Serial, PrinterSettings Settings);

/// <summary>An LED display: where it is and what it shows.</summary>
/// <param name="Device">The display.</param>
/// <param name="Address">Its address on the line.</param>
/// <param name="Model">Its model.</param>
/// <param name="Counter">The counter it shows, or 0 for a main display.</param>
public sealed record DisplaySetup(DeviceInfo Device, int Address, DisplayModel Model, int Counter);

/// <summary>A serial line of LED displays (several displays often share one RS-485 line).</summary>
/// <param name="Line">The line as a device.</param>
/// <param name="Serial">How to open it.</param>
/// <param name="Displays">The displays on it.</param>
public sealed record DisplayLineSetup(DeviceInfo Line, SerialLineSettings Serial, IReadOnlyList<DisplaySetup> Displays);

/// <summary>GPIO pins of a dispenser (all optional: a kiosk-style dispenser has none).</summary>
/// <param name="ButtonPins">One pin per button, in button order.</param>
/// <param name="ReadyLed">Ready LED pin, or -1.</param>
/// <param name="FaultLed">Fault LED pin, or -1.</param>
/// <param name="DisplayClock">TM1637 CLK pin, or -1.</param>
/// <param name="DisplayData">TM1637 DIO pin, or -1.</param>
/// <param name="Debounce">Button debounce time.</param>
/// <param name="LongPress">Long-press time.</param>
/// <param name="ActiveLow">Buttons switch their pin to ground (internal pull-up on); false: to 3.3 V (pull-down on).</param>
public sealed record DispenserPins(IReadOnlyList<int> ButtonPins, int ReadyLed, int FaultLed, int DisplayClock, int DisplayData, TimeSpan Debounce, TimeSpan LongPress,
    bool ActiveLow = true);

/// <summary>A ticket dispenser.</summary>
/// <param name="Device">The dispenser.</param>
/// <param name="Printer">Its printer's device id, or null.</param>
/// <param name="Buttons">What its buttons issue.</param>
/// <param name="Pins">Its GPIO wiring.</param>
public sealed record DispenserSetup(DeviceInfo Device, string? Printer, IReadOnlyList<DispenserButton> Buttons, DispenserPins Pins);

/// <summary>
/// The branch's hardware, read from the <c>devices:</c>, <c>dispensers:</c> and <c>displays:</c> sections of its
/// profile and the device models they name. Every device has an index (profile order) for device events.
/// </summary>
public sealed class BranchHardware
{
    /// <summary>A branch without hardware.</summary>
    public static readonly BranchHardware Empty = new([], [], [], [], []);

    /// <summary>Creates the layout.</summary>
    public BranchHardware(IReadOnlyList<DeviceInfo> devices, IReadOnlyList<KeypadLineSetup> keypadLines, IReadOnlyList<PrinterSetup> printers,
        IReadOnlyList<DisplayLineSetup> displayLines, IReadOnlyList<DispenserSetup> dispensers, string? kioskPrinter = null)
    {
        Devices = devices;
        KeypadLines = keypadLines;
        Printers = printers;
        DisplayLines = displayLines;
        Dispensers = dispensers;
        KioskPrinter = kioskPrinter;
    }

    /// <summary>Every device, by index.</summary>
    public IReadOnlyList<DeviceInfo> Devices { get; }

    /// <summary>Keypad lines.</summary>
    public IReadOnlyList<KeypadLineSetup> KeypadLines { get; }

    /// <summary>Printers.</summary>
    public IReadOnlyList<PrinterSetup> Printers { get; }

    /// <summary>Display lines.</summary>
    public IReadOnlyList<DisplayLineSetup> DisplayLines { get; }

    /// <summary>Dispensers.</summary>
    public IReadOnlyList<DispenserSetup> Dispensers { get; }

    /// <summary>The device id of the printer the touch kiosk (<c>/kiosk</c>) prints at (<c>kiosk: {printer: …}</c>), or null.</summary>
    public string? KioskPrinter { get; }

    /// <summary>Whether the branch has any hardware at all.</summary>
    public bool IsEmpty => Devices.Count == 0;

    /// <summary>The dispensers' character LCDs.</summary>
    public IReadOnlyList<CharacterLcdSetup> CharacterLcds { get; init; } = [];

    /// <summary>The MAX7219 counter number displays.</summary>
    public IReadOnlyList<SegmentDisplaySetup> SegmentDisplays { get; init; } = [];

    /// <summary>The call-chime buzzers.</summary>
    public IReadOnlyList<BuzzerSetup> Buzzers { get; init; } = [];
}
