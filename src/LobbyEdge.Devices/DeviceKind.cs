using LobbyEdge.Engine;

namespace LobbyEdge.Devices;

/// <summary>What a device in the lobby is.</summary>
public enum DeviceKind : byte
{
    /// <summary>A serial line (a port and whatever is on it).</summary>
    SerialLine = 0,

    /// <summary>A staff caller keypad (<c>caller68</c>) at a counter.</summary>
    Keypad,

    /// <summary>A customer rating pad (<c>caller68</c>, FUNC 11) at a counter.</summary>
    RatingPad,

    /// <summary>A thermal ticket printer (ESC/POS).</summary>
    Printer,

    /// <summary>An LED display driven from profile-defined frames.</summary>
    Display,

    /// <summary>A ticket dispenser: GPIO buttons, LEDs, a TM1637 display, and a printer.</summary>
    Dispenser,

    /// <summary>A dispenser's character LCD: an HD44780 behind a PCF8574 I2C backpack (Iot.Device.Bindings).</summary>
    CharacterLcd,

    /// <summary>A counter's 7-segment number display on a MAX7219 (SPI; Iot.Device.Bindings).</summary>
    SegmentDisplay,

    /// <summary>A buzzer that sounds the call chime (GPIO or PWM; Iot.Device.Bindings).</summary>
    Buzzer,
}

/// <summary>
/// A device of the branch as the engine knows it: <see cref="Index"/> is what
/// <see cref="Command.ReportDevice"/> and <see cref="EventKind.DeviceStatusChanged"/> carry.
/// </summary>
/// <param name="Index">Position in the branch's device list (profile order), stable for a profile.</param>
/// <param name="Id">The id the profile gives it, e.g. <c>callers/3</c> or <c>ticket-printer</c>; a metric label.</param>
/// <param name="Kind">What it is.</param>
public readonly record struct DeviceInfo(int Index, string Id, DeviceKind Kind);

/// <summary>A device's status changed.</summary>
/// <param name="Device">Which device.</param>
/// <param name="Status">Its new status.</param>
/// <param name="Reason">Why, in words for the log (e.g. "device file is gone", "paper end sensor").</param>
public readonly record struct DeviceStatusChange(DeviceInfo Device, DeviceStatus Status, string Reason);

/// <summary>
/// Where devices report what happens to them: status changes (which the host turns into
/// <see cref="Command.ReportDevice"/> events and <c>lobby_device_up</c>), rejected input
/// (<c>lobby_device_frames_rejected_total</c>, with a reason from <see cref="InputRejections"/>), reopened lines
/// (<c>lobby_device_reconnects_total</c>) and a printer's paper (<c>lobby_printer_paper</c>). Called from device
/// owner tasks, never from the engine loop; implementations must be quick, thread-safe and not allocate per call.
/// </summary>
public interface IDeviceObserver
{
    /// <summary>A device came up, went down or changed status.</summary>
    public void StatusChanged(DeviceStatusChange change);

    /// <summary>Input from a device was rejected (a corrupt frame, an unknown key) and dropped.</summary>
    public void InputRejected(DeviceInfo device, string reason);

    /// <summary>A serial line was opened again after it had been lost.</summary>
    public void Reconnected(DeviceInfo device)
    {
    }

    /// <summary>A printer's paper changed (or became unknown because the printer stopped answering).</summary>
    public void PaperChanged(DeviceInfo printer, Printer.PaperLevel level)
    {
    }
}

/// <summary>The way devices post commands to the engine (the host adapts its command channel to it).</summary>
public interface IDeviceCommands
{
    /// <summary>Posts a command and returns the engine's answer, once the events it produced are durable.</summary>
    public ValueTask<DeviceCommandOutcome> SendAsync(Command command, CancellationToken cancellationToken = default);
}

/// <summary>What the engine made of a device's command.</summary>
/// <param name="Result">Accepted with what it produced, or refused with a reason.</param>
/// <param name="At">The instant the engine decided it at.</param>
public readonly record struct DeviceCommandOutcome(CommandResult Result, DateTimeOffset At)
{
    /// <summary>The branch sequence of the last event durable when the answer was released (0 when not known).</summary>
    public long LastSequence { get; init; }
}

/// <summary>An observer that ignores everything.</summary>
public sealed class NullDeviceObserver : IDeviceObserver
{
    /// <summary>The one instance.</summary>
    public static readonly NullDeviceObserver Instance = new();

    private NullDeviceObserver()
    {
    }

    /// <inheritdoc />
    public void StatusChanged(DeviceStatusChange change)
    {
    }

    /// <inheritdoc />
    public void InputRejected(DeviceInfo device, string reason)
    {
    }
}
