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

    // Presses (on their own tasks) and the printer watch both update the face: one bit-banged frame at a time.
    private readonly Lock _sync = new();
    private string _lastNumber = "";
    private bool _showingCode;

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
        lock (_sync)
        {
            _lastNumber = number.Length > 4 ? number[^4..] : number;
            _showingCode = false;
            _display?.Show(_lastNumber);
            SetLeds(true);
        }
    }

    /// <inheritdoc />
    public void Refused(string reason, DeviceStatus? status)
    {
        lock (_sync)
        {
            _display?.Show(CodeFor(status));
            _showingCode = true;
            if (status is not null)
            {
                SetLeds(false);
            }
        }
    }

    /// <summary>
    /// Whether the dispenser can issue now (the ready and fault LEDs). Ready again after a refusal code, the display
    /// goes back to the last number issued (blank if none), so a refilled printer does not keep saying <c>PAPr</c>.
    /// </summary>
    public void Ready(bool ready)
    {
        lock (_sync)
        {
            if (ready && _showingCode)
            {
                _display?.Show(_lastNumber);
                _showingCode = false;
            }

            SetLeds(ready);
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

    private void SetLeds(bool ready)
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
}
