using System.Device.Gpio;

namespace LobbyEdge.Devices.Gpio;

/// <summary>A status LED on a GPIO output (through a resistor; active high unless wired to sink current).</summary>
public sealed class StatusLed : IDisposable
{
    private readonly GpioController _controller;
    private readonly int _pin;
    private readonly bool _activeHigh;
    private readonly bool _shouldDispose;
    private bool _on;

    /// <summary>Opens the pin as an output, LED off.</summary>
    public StatusLed(GpioController controller, int pin, bool activeHigh = true, bool shouldDispose = true)
    {
        ArgumentNullException.ThrowIfNull(controller);
        _controller = controller;
        _pin = pin;
        _activeHigh = activeHigh;
        _shouldDispose = shouldDispose;
        // Opened at the off level: an LED wired to sink current would otherwise flash as the pin opens low.
        controller.OpenPin(pin, PinMode.Output, activeHigh ? PinValue.Low : PinValue.High);
    }

    /// <summary>Whether the LED is lit.</summary>
    public bool IsOn
    {
        get => _on;
        set
        {
            if (value != _on)
            {
                Write(value);
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_shouldDispose)
        {
            _controller.Dispose();
        }
    }

    private void Write(bool on)
    {
        _on = on;
        _controller.Write(_pin, on == _activeHigh ? PinValue.High : PinValue.Low);
    }
}
