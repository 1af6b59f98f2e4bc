using LobbyEdge.Devices.Gpio;
using LobbyEdge.Engine;

namespace LobbyEdge.Devices.Dispenser;

/// <summary>
/// A dispenser's face on GPIO: a ready LED, a fault LED and a TM1637 that shows the last number, or why the
/// dispenser refuses: <c>PAPr</c> (paper out), <c>OPEn</c> (cover open), <c>OFF</c> (printer off line),
/// <c>Err</c> (other).
/// </summary>
public sealed class GpioDispenserFace : IDispenserFace
{
    private readonly StatusLed? _ready;
    private readonly StatusLed? _fault;
    private readonly Tm1637? _display;

    /// <summary>Creates the face from whichever parts the dispenser has.</summary>
    public GpioDispenserFace(StatusLed? ready, StatusLed? fault, Tm1637? display)
    {
        _ready = ready;
        _fault = fault;
        _display = display;
    }

    /// <inheritdoc />
    public void Issued(string number)
    {
        ArgumentNullException.ThrowIfNull(number);
        _display?.Show(number.Length > 4 ? number[^4..] : number);
        Ready(true);
    }

    /// <inheritdoc />
    public void Refused(string reason, DeviceStatus? status)
    {
        _display?.Show(CodeFor(status));
        if (status is not null)
        {
            Ready(false);
        }
    }

    /// <inheritdoc />
    public void Ready(bool ready)
    {
        if (_ready is not null)
        {
            _ready.IsOn = ready;
        }

        if (_fault is not null)
        {
            _fault.IsOn = !ready;
        }
    }

    /// <summary>The four characters a TM1637 shows for a refusal.</summary>
    public static string CodeFor(DeviceStatus? status) => status switch
    {
        DeviceStatus.PaperOut => "PAPr",
        DeviceStatus.CoverOpen => "OPEn",
        DeviceStatus.Offline => " OFF",
        null => "----",
        _ => " Err",
    };
}
