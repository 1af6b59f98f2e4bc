using System.Device.Gpio;

namespace LobbyEdge.Devices.Tests.Gpio;

/// <summary>Something wired to the fake header's pins: it sees every change and may pull lines low.</summary>
internal interface IFakePeripheral
{
    /// <summary>The wire changed (a write or a pin mode change by the host); <paramref name="driver"/> shows the levels now.</summary>
    public void WireChanged(FakeGpioDriver driver);

    /// <summary>Whether the peripheral pulls <paramref name="pin"/> low now (open drain, like the TM1637's ACK).</summary>
    public bool PullsLow(int pin);
}

/// <summary>
/// A <see cref="GpioDriver"/> for tests: a 40-pin header in memory. Records every write and pin mode change, lets the
/// test put levels on input pins (with edge callbacks), and lets an <see cref="IFakePeripheral"/> watch the wire and
/// pull lines low. A released line (an input without a pull-down) reads high, as with the pull-ups on a module.
/// </summary>
internal sealed class FakeGpioDriver : GpioDriver
{
    private readonly Dictionary<int, PinMode> _modes = [];
    private readonly Dictionary<int, PinValue> _latches = [];
    private readonly Dictionary<int, PinValue> _external = [];
    private readonly Dictionary<int, List<(PinEventTypes Types, PinChangeEventHandler Handler)>> _callbacks = [];

    /// <summary>Every host action on a pin, in order.</summary>
    public List<PinAction> Actions { get; } = [];

    /// <summary>Optional device on the pins.</summary>
    public IFakePeripheral? Peripheral { get; set; }

    /// <summary>Pins currently open.</summary>
    public IReadOnlyCollection<int> OpenPins => _modes.Keys;

    /// <summary>The writes to one pin, in order.</summary>
    public List<PinValue> WritesTo(int pin) => [.. Actions.Where(a => a.Pin == pin && a.Kind == PinActionKind.Write).Select(a => a.Value)];

    /// <summary>What the host drives on a pin: its latch when the pin is an output, else null (released).</summary>
    public PinValue? Driven(int pin) => _modes.GetValueOrDefault(pin, PinMode.Input) == PinMode.Output ? _latches.GetValueOrDefault(pin, PinValue.Low) : null;

    /// <summary>The mode a pin was last set to.</summary>
    public PinMode ModeOf(int pin) => _modes[pin];

    /// <summary>
    /// The level on the wire: what the host drives on an output; on an input, what the outside world puts there
    /// (<see cref="SetInput"/>), else low when a peripheral pulls it or the pin's pull-down is on, else high.
    /// </summary>
    public PinValue Level(int pin)
    {
        PinMode mode = _modes.GetValueOrDefault(pin, PinMode.Input);
        if (mode == PinMode.Output)
        {
            return _latches.GetValueOrDefault(pin, PinValue.Low);
        }

        if (_external.TryGetValue(pin, out PinValue outside))
        {
            return outside;
        }

        if (Peripheral?.PullsLow(pin) == true || mode == PinMode.InputPullDown)
        {
            return PinValue.Low;
        }

        return PinValue.High;
    }

    /// <summary>The outside world drives an input pin (a button to ground, say); edge callbacks fire.</summary>
    public void SetInput(int pin, PinValue level)
    {
        PinValue before = Level(pin);
        _external[pin] = level;
        PinValue after = Level(pin);
        if (before == after || !_callbacks.TryGetValue(pin, out var handlers))
        {
            return;
        }

        PinEventTypes edge = after == PinValue.High ? PinEventTypes.Rising : PinEventTypes.Falling;
        foreach ((PinEventTypes types, PinChangeEventHandler handler) in handlers.ToArray())
        {
            if ((types & edge) != 0)
            {
                handler(this, new PinValueChangedEventArgs(edge, pin));
            }
        }
    }

    /// <inheritdoc />
    protected override int PinCount => 40;

    /// <inheritdoc />
    protected override void OpenPin(int pinNumber)
    {
        _modes.TryAdd(pinNumber, PinMode.Input);
        Actions.Add(new PinAction(PinActionKind.Open, pinNumber, default, default));
    }

    /// <inheritdoc />
    protected override void ClosePin(int pinNumber)
    {
        _modes.Remove(pinNumber);
        Actions.Add(new PinAction(PinActionKind.Close, pinNumber, default, default));
    }

    /// <inheritdoc />
    protected override void SetPinMode(int pinNumber, PinMode mode)
    {
        _modes[pinNumber] = mode;
        Actions.Add(new PinAction(PinActionKind.Mode, pinNumber, default, mode));
        Peripheral?.WireChanged(this);
    }

    /// <inheritdoc />
    protected override void SetPinMode(int pinNumber, PinMode mode, PinValue initialValue)
    {
        // As the kernel does for a line requested as an output with a default value: the level is there at once.
        _latches[pinNumber] = initialValue;
        Actions.Add(new PinAction(PinActionKind.Write, pinNumber, initialValue, default));
        SetPinMode(pinNumber, mode);
    }

    /// <inheritdoc />
    protected override PinMode GetPinMode(int pinNumber) => _modes.GetValueOrDefault(pinNumber, PinMode.Input);

    /// <inheritdoc />
    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) => true;

    /// <inheritdoc />
    protected override PinValue Read(int pinNumber)
    {
        PinValue level = Level(pinNumber);
        Actions.Add(new PinAction(PinActionKind.Read, pinNumber, level, default));
        return level;
    }

    /// <inheritdoc />
    protected override void Write(int pinNumber, PinValue value)
    {
        _latches[pinNumber] = value;
        Actions.Add(new PinAction(PinActionKind.Write, pinNumber, value, default));
        Peripheral?.WireChanged(this);
    }

    /// <inheritdoc />
    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken) =>
        throw new NotSupportedException("the devices poll; nothing waits for an edge");

    /// <inheritdoc />
    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback)
    {
        if (!_callbacks.TryGetValue(pinNumber, out var list))
        {
            _callbacks[pinNumber] = list = [];
        }

        list.Add((eventTypes, callback));
    }

    /// <inheritdoc />
    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback)
    {
        if (_callbacks.TryGetValue(pinNumber, out var list))
        {
            list.RemoveAll(c => c.Handler == callback);
        }
    }
}

/// <summary>What the host did to a pin.</summary>
internal enum PinActionKind
{
    Open,
    Close,
    Mode,
    Write,
    Read,
}

/// <summary>One host action: a write (with its value), a read (with the level seen), a mode change (with the mode).</summary>
internal readonly record struct PinAction(PinActionKind Kind, int Pin, PinValue Value, PinMode Mode);
